"""kiebot: a Telegram bot that sells AI image and video generation through KIE.ai."""

__version__ = "0.1.0"
