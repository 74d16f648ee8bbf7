"""The kindred.v1 protocol messages and stubs, generated from proto/kindred/v1 at build time."""
