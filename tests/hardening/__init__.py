"""Hardening: the fault matrix, fuzzing, contract conformance, secret hygiene,
crash recovery and the soak (issue 8).

The matrix (each fault, what the user sees, and which test covers it, here or in
the area suites) is the table at the end of docs/TROUBLESHOOTING.md.
"""
