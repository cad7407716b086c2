"""What DeepColor writes for people to read: the replication pages (replication.py) and the figures
(plots.py: loss curves, sample grids)."""
