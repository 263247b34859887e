"""The labs engine. Only the modules that train import torch; `catalog` and `results` never do,
so the CLI, the deck linter and the TUI can list labs and check parameters without loading torch.
"""
