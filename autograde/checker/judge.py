"""Placeholder until the judge lands: every picture criterion passes when a heatmap is drawn."""
from .spec import PICTURE_CRITERIA


def judge_picture(picture, tokens, attention, *, public_tokens):
    return {criterion: None if picture.get("heatmap") else "no heatmap" for criterion in PICTURE_CRITERIA}
