"""Signing in with Huudis: device flow, rotating tokens, and where they are kept.

- `manager.AuthManager`: the one object the rest of the app uses (the API
  client's `TokenProvider`; sign-in, sign-out, state-change listeners).
- `device_flow.DeviceFlow`: one RFC 8628 sign-in, from code to tokens.
- `store`: `CredentialStore` and its keyring, memory and opt-in file kinds,
  and `open_default_store()` that picks one by the rules.
- `huudis`: the wire side (discovery, device, token, revocation posts).
- `storekey.StoreKey`: which servers (issuer, API) a stored sign-in belongs to.
- `ledger`: the non-secret note beside the refresh lock that says whether the
  stored copy may be redeemed (so a locked keyring never causes a replay).
- `keyring_backend`, `keyring_store`, `worker`, `crosslock`, `tokens`, `errors`:
  the parts those are built from.

Nothing here imports Qt or blocks the event loop.
"""
