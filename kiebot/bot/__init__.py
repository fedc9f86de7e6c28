"""The Telegram side: routers, texts, middlewares. Handlers parse, call one service, render."""
