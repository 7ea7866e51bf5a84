"""The cases fixtures (`category`, `make_case`) live in tests/conftest.py: other apps use them too."""
