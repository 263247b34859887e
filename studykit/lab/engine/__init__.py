"""The torch engine behind the labs: model loading, data, the one training loop, instruments
and the methods.

Only this package and `studykit.lab.experiments` import torch, transformers or peft; the modules
at the top of `studykit.lab` (catalogue, results, errors, runner, view, render) stay torch-free.
"""
