"""newsbot's application commands, as registered with Discord (`newsbot discord register`)."""

from __future__ import annotations

from typing import Any

from newsbot.bot.chat.paging import MATCH_LIMIT
from newsbot.index import MAX_QUERY_CHARS

ASK = "ask"
INGEST = "ingest"
NEWSBOT = "newsbot"
NEWSBOT_ADMIN = "newsbot-admin"
ASK_MESSAGE = "Ask newsbot"
ADD_MESSAGE = "Add to newsbot"

_STRING, _INTEGER, _SUBCOMMAND, _ATTACHMENT = 3, 4, 1, 11
_SLASH, _MESSAGE = 1, 3
MANAGE_GUILD = str(1 << 5)  # a permission bit set, as Discord takes it: a string

COMMANDS: list[dict[str, Any]] = [
    {
        "name": ASK,
        "type": _SLASH,
        "description": "Ask a question; newsbot answers with quotes from its articles.",
        "options": [
            {
                "type": _STRING,
                "name": "question",
                "description": "Your question, in plain words",
                "required": True,
                "max_length": MAX_QUERY_CHARS,
            }
        ],
    },
    {
        "name": INGEST,
        "type": _SLASH,
        "description": "Add an article: a link, pasted text or a .txt/.md/.html file.",
        "options": [
            {"type": _STRING, "name": "url", "description": "The article's link"},
            {"type": _STRING, "name": "text", "description": "The article's text, pasted"},
            {"type": _ATTACHMENT, "name": "file", "description": "A .txt, .md or .html file"},
            {
                "type": _STRING,
                "name": "collection",
                "description": "File it into these collections too (comma-separated)",
                "max_length": 400,
            },
        ],
    },
    {
        "name": NEWSBOT,
        "type": _SLASH,
        "description": "newsbot's articles.",
        "options": [
            {
                "type": _SUBCOMMAND,
                "name": "sources",
                "description": "List the articles, a page at a time",
                "options": [
                    {
                        "type": _STRING,
                        "name": "match",
                        "description": "Only articles whose headline or outlet holds these words",
                        "max_length": MATCH_LIMIT,
                    }
                ],
            },
            {
                "type": _SUBCOMMAND,
                "name": "scope",
                "description": "Which collections this channel answers from, and when",
            },
        ],
    },
    {
        # Its own command so that Discord hides it from members by default (Manage
        # Server); newsbot still checks its own admins. Discord sets permissions per
        # command, not per subcommand.
        "name": NEWSBOT_ADMIN,
        "type": _SLASH,
        "description": "newsbot admins: forget articles, set channels, read the gaps.",
        "default_member_permissions": MANAGE_GUILD,
        "options": [
            {
                "type": _SUBCOMMAND,
                "name": "forget",
                "description": "Forget an article (newsbot admins only)",
                "options": [
                    {
                        "type": _INTEGER,
                        "name": "id",
                        "description": "The article's number, as in /newsbot sources",
                        "required": True,
                        "min_value": 1,
                    }
                ],
            },
            {
                "type": _SUBCOMMAND,
                "name": "scope",
                "description": "Answer in this channel from these collections only",
                "options": [
                    {
                        "type": _STRING,
                        "name": "collections",
                        "description": "Names, comma-separated; `all`; or `default`",
                        "required": True,
                        "max_length": 400,
                    }
                ],
            },
            {
                "type": _SUBCOMMAND,
                "name": "gaps",
                "description": "What nobody could answer, grouped by wording, newest first",
            },
            {
                "type": _SUBCOMMAND,
                "name": "answer",
                "description": "When newsbot answers in this channel",
                "options": [
                    {
                        "type": _STRING,
                        "name": "mode",
                        "description": "mentions (default), questions, or silent (only /ask)",
                        "required": True,
                        "choices": [
                            {"name": "@mentions (default)", "value": "mentions"},
                            {"name": "also every message ending in ?", "value": "questions"},
                            {"name": "only /ask", "value": "silent"},
                        ],
                    }
                ],
            },
        ],
    },
    {"name": ASK_MESSAGE, "type": _MESSAGE},
    {"name": ADD_MESSAGE, "type": _MESSAGE},
]
