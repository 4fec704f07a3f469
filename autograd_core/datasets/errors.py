"""The error every dataset loader raises for a missing, corrupt or malformed file."""


class DatasetError(ValueError):
    """A dataset file is missing, truncated or not in the expected format; the message
    names the file."""
