"""The fake workspace: the tokens, signing secret and ids that the fake Slack and its payloads
use."""

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0001TEAM"
BOT_USER_ID = "U0001BOT"
BOT_ID = "B0001BOT"
HUMAN_USER_ID = "U0001HUMAN"
CHANNEL_ID = "C0001OPS"
DM_CHANNEL_ID = "D0001DM"
