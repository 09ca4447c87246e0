"""Guard a team's own pipeline: a profile of its config keys and cache layout, adapted to the checks' inputs."""
