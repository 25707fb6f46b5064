"""Plain HTML pages a person or a headless browser can drive: no scripts, just forms."""

from __future__ import annotations

from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "input{font-size:1.4rem;letter-spacing:.2rem;text-transform:uppercase;width:12rem}"
    "button{font-size:1rem;margin:1rem .5rem 0 0;padding:.5rem 1.2rem}"
    ".note{color:#555}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def device_form(action: str, user_code: str, *, error: str | None = None) -> str:
    problem = f'<p id="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        "Sign in to Pawpado Desktop",
        f"{problem}<p>A device is asking to sign in to your Huudis account "
        "(<strong>Pawpado Desktop</strong>). Only continue if the code below is the one "
        "shown on <em>your own</em> device.</p>"
        f'<form method="post" action="{escape(action)}">'
        '<label for="user_code">Code</label><br>'
        f'<input id="user_code" name="user_code" value="{escape(user_code)}" '
        'autocomplete="off" autofocus required><br>'
        '<button id="approve" type="submit" name="action" value="approve">Approve</button>'
        '<button id="deny" type="submit" name="action" value="deny">Deny</button>'
        "</form>"
        '<p class="note">Signed in as the demo account.</p>',
    )


def device_result(approved: bool) -> str:
    if approved:
        return _page(
            "Device approved",
            '<p id="result" data-result="approved">Pawpado Desktop is now signed in. '
            "You can close this page and return to the app.</p>",
        )
    return _page(
        "Request denied",
        '<p id="result" data-result="denied">You denied the sign-in. '
        "Nothing was shared with the device. You can close this page.</p>",
    )


def checkout_page(
    action: str, checkout_id: str, amount: str, currency: str, *, status: str
) -> str:
    head = (
        f'<p>Top up <strong id="amount">{escape(amount)} {escape(currency)}</strong> '
        f'to your Pawpado wallet.</p><p class="note">Checkout {escape(checkout_id)}</p>'
    )
    if status == "open":
        return _page(
            "Plugipay checkout (simulated)",
            head + f'<form method="post" action="{escape(action)}">'
            '<button id="pay" type="submit" name="action" value="pay">Pay</button>'
            '<button id="cancel" type="submit" name="action" value="cancel">Cancel</button>'
            "</form>",
        )
    messages = {
        "paid": "Payment received. Your balance will update in a moment; "
        "you can close this page.",
        "settled": "Payment complete. Your balance has been updated.",
        "cancelled": "This checkout was cancelled. Nothing was charged.",
        "expired": "This checkout has expired. Start a new top-up from the app.",
    }
    return _page(
        "Plugipay checkout (simulated)",
        head + f'<p id="result" data-result="{escape(status)}">{escape(messages[status])}</p>',
    )


def not_found(what: str) -> str:
    return _page("Not found", f'<p id="result" data-result="not-found">{escape(what)}</p>')
