"""Use cases shared by listeners, scheduled jobs and the CLI: read storage → call scoring → write storage.

They take a Session (the caller's unit of work commits) and plain values, never Slack objects, so a
listener, a job and a CLI command run exactly the same code.
"""
