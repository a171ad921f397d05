"""Messages callers leave (a staff mailbox, the main number after hours) and the promise that
each is returned in time: due times, states, who did what when."""
