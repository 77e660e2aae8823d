"""Helpers for testing syncdoc against a fake Slack, shipped with the package like
`structlog.testing`, so every test (ours or a contributor's) uses the same real parts.

- `bot.testing.fake_slack`: the fake Slack Web API, response_url endpoints and Socket Mode
  server on 127.0.0.1, request signing, and payload builders shaped like Slack's.
- `bot.testing.cli`: a `syncdoc` command run in this process through `main()`, as a process would.
- `bot.testing.process`: the real `syncdoc serve` / `syncdoc run` in a subprocess.
- `bot.testing.slack_rules`: what Slack refuses in a message, a response_url body or a view.
- `bot.testing.hostile_kb`: knowledge base files built to hurt a loader (an alias bomb).
- `bot.testing.loopback`: the real syncdoc Slack app served over loopback HTTP, with a way to wait
  until every answer it started has been sent.
"""
