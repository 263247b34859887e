"""studykit: learn how language models are adapted, one card and one live experiment at a time.

The package root stays import-light: nothing here pulls in torch, transformers or textual.
"""

__version__ = "0.1.0"
