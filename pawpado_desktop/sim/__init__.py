"""The Pawpado + Huudis simulator: the whole backend of one demo account, on loopback.

Start it with `SimulatorServer(SimConfig(...), clock=...)` (module `server`); it
serves, from one port, in its own thread and event loop:

- `/huudis/...`: the identity provider (discovery, RFC 8628 device flow,
  rotating refresh tokens with reuse detection, RFC 7009 revocation, a
  verification page);
- `/api/v1/...`: the Pawpado API of pawpado-openapi.json (served at
  `/openapi.json`), with rate limits, billing and the session state machine;
- `/_sim/...`: admin endpoints mirroring `SimControl`, the endpoints the fake
  tailscaled and the fake Moonlight use, and the top-up checkout page.

Module map: `config` (SimConfig), `world` (state + lazy time), `huudis`,
`session`, `wallet`, `tailnet`, `sunshine`, `ratelimit`, `validation`,
`faults`, `fakes` (fake-facing logic), `control` (SimControl), `http_*` (routes),
`middleware` (faults + request log), `server` (uvicorn thread).

This package import stays light: importing `pawpado_desktop.sim.fake_*` does not
pull in uvicorn or Starlette.
"""
