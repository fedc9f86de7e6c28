"""Jobs: the record, the state machine, the scheduler, the runner, polling, recovery."""
