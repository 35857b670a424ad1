"""teabot: a plugin-based WeChat official-account bot for afternoon-tea expenses."""

VERSION = "0.1.0"
