"""`studykit deck new PATH`: a starter deck with one card of every kind, which validates.

It also shows card text's Markdown (a code block) and a cloze card's syntax. Its predict card
observes something a lab of the catalogue really declares (`predict_card`), so it validates
against the labs as they are; with no catalogue, or no lab declaring observables, that card is
written commented out, to show the format.

The template is YAML text rather than a dumped model so it keeps the comments that teach the
format; a test loads it to prove it validates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from studykit.deck.errors import DeckError
from studykit.deck.loader import NUMBER_TYPES, LabCatalog
from studykit.deck.model import ID_PATTERN

# The lab the predict card prefers to observe, when it declares observables.
PREFERRED_LAB = "prompt-vs-prefix"


def deck_id_for(path: Path) -> str:
    """A deck id from a file name: `My Deck.yaml` -> `my-deck`."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug[:40] or "my-deck"


def scaffold_text(
    deck_id: str, title: str | None = None, lab_catalog: LabCatalog | None = None
) -> str:
    title = title or deck_id.replace("-", " ").capitalize()
    # JSON's double-quoted string is valid YAML, whatever the title holds (": ", "#", quotes)
    text = _TEMPLATE.format(id=deck_id, title=json.dumps(title, ensure_ascii=False))
    return text + predict_card(deck_id, lab_catalog)


def _observable(catalog: LabCatalog | None) -> tuple[str, str, str, list[str]] | None:
    """(lab, observable, type, values) for the scaffold: a choice observable of the preferred
    lab if it has one, else the first observable of any lab (a choice one first)."""
    if catalog is None:
        return None
    found: list[tuple[str, str, str, list[str]]] = []
    try:
        names = sorted(catalog.names(), key=lambda n: (n != PREFERRED_LAB, n))
        for lab in names:
            for name, shape in catalog.observables(lab).items():
                found.append((lab, name, shape.type, list(shape.values or [])))
    except Exception:  # an unreadable catalogue: the card is written commented out
        return None
    for entry in found:
        if entry[2] == "choice":
            return entry
    return found[0] if found else None


def predict_card(deck_id: str, lab_catalog: LabCatalog | None = None) -> str:
    """The starter deck's predict card, on an observable the catalogue declares."""
    picked = _observable(lab_catalog)
    if picked is None:
        return _PREDICT_EXAMPLE.format(id=deck_id)
    lab, name, kind, values = picked
    lines = [
        "",
        f"  - id: {deck_id}-predict-1",
        "    kind: predict",
        f"    topic: {deck_id}-methods",
        f"    # The answer key is what this run of the lab measures as `{name}`, never a value",
        "    # written here: with other params or another seed the right answer can change.",
        f"    lab: {{name: {lab}, params: {{}}}}",
        f"    question: Before you run the lab, what will it measure as {name}?",
        f"    observe: {name}",
    ]
    if kind in NUMBER_TYPES:
        lines.append("    relative_tolerance: 0.1     # right within 10% (or tolerance: for ± X)")
    else:
        how = "each maps to one of its values" if kind == "choice" else "one per value, ordered"
        lines.append(f"    choices:                     # {how}")
        for value in values:
            text = json.dumps(value.replace("-", " ").capitalize())
            lines.append(f"      - {{text: {text}, value: {json.dumps(value)}}}")
    lines += [
        "    explanation: >-",
        "      Why the measured answer comes out as it does, and when it would not.",
        "",
    ]
    return "\n".join(lines)


def write_scaffold(
    path: Path,
    deck_id: str | None = None,
    title: str | None = None,
    lab_catalog: LabCatalog | None = None,
) -> str:
    """Write the starter deck to `path` (never over an existing file); returns the deck id.
    Its predict card observes what `lab_catalog` declares (commented out without one)."""
    deck_id = deck_id or deck_id_for(path)
    if not re.fullmatch(ID_PATTERN, deck_id) or len(deck_id) > 40:
        raise DeckError(
            f'"{deck_id}" is not a valid deck id: use up to 40 lowercase letters, digits, ".", '
            '"-" and "_", starting with a letter or digit'
        )
    if path.exists():
        raise DeckError(f"{path}: already exists; choose another file name or delete it first")
    if not path.parent.is_dir():
        raise DeckError(f"{path.parent}: no such folder; create it first")
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
            handle.write(scaffold_text(deck_id, title, lab_catalog))
    except OSError as error:
        raise DeckError(f"{path}: cannot write: {error.strerror or error}") from None
    return deck_id


_TEMPLATE = """\
# A studykit deck. Check it with:   studykit deck validate {id}.yaml
# Editor completion: run `studykit deck schema > deck.schema.json` and put a modeline pointing at
# that file on the first line of this deck (see docs/deck-format.md).
#
# Card ids key each learner's progress: keep an id when you edit a card's text, and never reuse
# one for a different question. Ids are unique across all decks, so prefix them with the deck id.
id: {id}
title: {title}
description: What this deck teaches, in one or two sentences.
authors: [Your Name]
version: "1.0"
tags: [example]

# Topics group cards; learn_before lists topics to study first (from this deck or another).
topics:
  - id: {id}-basics
    title: The basics
  - id: {id}-methods
    title: Adapting a model
    learn_before: [{id}-basics]

cards:
  - id: {id}-flash-1
    kind: flashcard
    topic: {id}-basics
    front: What does backpropagation compute?
    back: The gradient of the loss with respect to every parameter.
    explanation: >-
      Backpropagation applies the chain rule from the loss back through each layer, reusing the
      intermediate results of the forward pass, so one backward pass yields every gradient.
    lab: backprop                # short form of a lab link

  - id: {id}-mcq-1
    kind: mcq
    topic: {id}-methods
    question: In prompt tuning, which parameters does the optimizer update?
    choices:                     # lettered A, B, C... in this order; `why` is shown when picked
      - text: Every weight of the model
        why: That is full fine-tuning. Prompt tuning keeps the model frozen.
      - text: Only the soft prompt vectors
      - text: Only the output layer
        why: Training just the head is linear probing, a different method.
    answer: B
    explanation: >-
      The soft prompt is the only trainable tensor. Gradients still flow back through the frozen
      network to reach it, but the update step changes the prompt alone.
    refs: [arXiv 2104.08691]
    lab:                         # long form: parameters and what to look for
      name: prompt-vs-prefix
      notice: How many parameters each method trains.

  - id: {id}-multi-1
    kind: multi
    topic: {id}-methods
    question: Which statements about prefix tuning are true?
    choices:
      - text: It adds trainable vectors to every layer's keys and values
      - text: It updates the base model's weights
        why: The base model stays frozen; only the prefix is trained.
      - text: It trains more parameters than prompt tuning with as many virtual tokens
    answers: [A, C]
    explanation: >-
      A prefix is a per-layer key/value cache, so it reaches every layer; prompt tuning only
      prepends vectors at the input embeddings, which needs fewer parameters.
    refs: [arXiv 2101.00190]

  - id: {id}-tf-1
    kind: true_false
    topic: {id}-methods
    statement: In prompt tuning, gradients flow through the whole frozen network.
    answer: true                 # only true/false count as booleans; yes/no stay text
    why_false: The prompt sits at the input, so its gradient must pass back through every layer.
    explanation: >-
      Frozen weights still take part in the forward and backward pass; they just never change.

  - id: {id}-match-1
    kind: matching
    topic: {id}-methods
    prompt: Match each method to what it trains.
    pairs:                       # listed correctly matched; shuffled when studied
      - left: Full fine-tuning
        right: Every weight of the model
      - left: Prompt tuning
        right: Vectors prepended to the input embeddings
      - left: Prefix tuning
        right: Key and value vectors at every layer
    explanation: The three methods differ in where the trainable parameters live.

  - id: {id}-order-1
    kind: order
    topic: {id}-basics
    prompt: Put one training step in order.
    steps: [Forward pass, Compute the loss, Backward pass, Update the parameters]
    explanation: >-
      The loss needs the forward pass's output, gradients need the loss, and the update needs
      the gradients.

  - id: {id}-short-1
    kind: short
    topic: {id}-basics
    question: Which algorithm computes the gradients a training step uses?
    answers: [backpropagation, backprop]   # any of these; case and spacing are ignored
    explanation: Backpropagation computes the gradients; gradient descent then uses them.

  - id: {id}-cloze-1
    kind: cloze
    topic: {id}-methods
    # Each number is one card: c1 hides "k·d", c2 hides "frozen"; a hint may follow a second ::
    text: >-
      With k virtual tokens of width d, prompt tuning trains {{{{c1::k·d::how many}}}} numbers and
      keeps the model {{{{c2::frozen}}}}.
    accept: {{c1: [k*d, kd]}}   # more typed answers to accept for a deletion
    explanation: >-
      The soft prompt is a k × d matrix, the only tensor the optimizer updates.

  - id: {id}-code-1
    kind: mcq
    topic: {id}-basics
    # Text may use a little Markdown: `code`, *emphasis*, **strong**, lists, links, and fenced
    # code blocks with a language (see docs/deck-format.md, "Text").
    question: |-
      What is wrong with this training step?

      ```python
      for batch in loader:
          loss = model(batch).loss
          loss.backward()
          optimizer.step()
      ```
    choices:
      - text: Gradients pile up, because `optimizer.zero_grad()` is never called
      - text: "`loss.backward()` must come after `optimizer.step()`"
        why: The step uses the gradients, so backward has to run first.
      - text: The loss needs `.detach()` before `backward()`
        why: A detached loss has no graph to backpropagate through.
    answer: A
    explanation: >-
      `backward()` adds to each `.grad`; without `zero_grad()` every step follows the sum of
      all the gradients so far.
"""

_PREDICT_EXAMPLE = """
  # A predict card: the learner predicts what a lab run measures, then the run grades it.
  # No lab of the catalogue declares observables yet (`studykit lab list` shows them), so it is
  # commented out; uncomment it and name one of the lab's observables.
  # - id: {id}-predict-1
  #   kind: predict
  #   topic: {id}-methods
  #   lab: {{name: prompt-vs-prefix, params: {{}}}}
  #   question: After training, which method scores higher on the new task?
  #   observe: winner_on_new_task
  #   choices:                     # each maps to one of the observable's values
  #     - {{text: Prompt tuning, value: prompt-tuning}}
  #     - {{text: Prefix tuning, value: prefix-tuning}}
  #   explanation: >-
  #     Why the measured answer comes out as it does, and when it would not.
"""
