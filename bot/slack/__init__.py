"""The Slack app: a Bolt app whose listeners hand pastes to the engine and post the rendered answer.

Entry points: `bot.slack.app.create_app` builds the app; `bot.slack.http` serves it over HTTP
(gunicorn), `bot.slack.socket_mode` connects it over Socket Mode.
"""
