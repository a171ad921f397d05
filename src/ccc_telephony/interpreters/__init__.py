"""The interpreter line: an agent conferences the interpretation (language) line into a queue
call without moving the caller out of app_queue's bridge, drops the interpreter and keeps the
caller, steps aside while caller and interpreter talk, and documents who interpreted."""
