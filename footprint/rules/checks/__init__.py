"""Built-in check functions, one module per topic; importing a module registers its checks.

Every check takes ``(ctx, params)`` and returns an :class:`~footprint.rules.model.Outcome` with
a bilingual message, the measured value and the threshold it was held against.
"""
