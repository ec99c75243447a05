"""The ``info`` event names the speech engine actually in use."""

from __future__ import annotations

from wyoming.info import Info

from confide.wyoming.describe import info


def _model(described: Info):
    (asr,) = described.asr
    (model,) = asr.models
    return model


def test_the_default_is_the_grammar():
    model = _model(info())
    assert model.name == "confide-grammar"
    assert "pocketsphinx" in model.description and "Whisper" not in model.description


def test_the_hybrid_and_whisper_engines_say_so():
    hybrid = _model(info("hybrid"))
    assert hybrid.name == "confide-grammar" and "Whisper" in hybrid.description
    whisper = _model(info("whisper"))
    assert whisper.name == "confide-whisper" and "Whisper" in whisper.description
    assert "Whisper" in whisper.attribution.name
    # the event survives the wire format with it
    assert _model(Info.from_event(info("hybrid").event())).description == hybrid.description


def test_an_unknown_engine_falls_back_to_the_grammar_description():
    assert _model(info("other")).description == _model(info()).description
