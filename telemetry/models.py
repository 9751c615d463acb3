# Models arrive with the feature that owns them.
