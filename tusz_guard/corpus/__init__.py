"""The TUSZ corpus model: paths, EDF headers, annotations, channels, windows and the ledger."""
