"""Jobs: the daily run as a list of steps, and `nazorg serve`, which runs it on a schedule."""
