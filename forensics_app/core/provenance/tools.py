"""Generation recipes that image-generation front-ends write into PNG text chunks.

Each front-end has its own habit, documented by its own source: Automatic1111's web UI
(and its forks) writes one ``parameters`` text ending in "Steps: .., Sampler: .., Model: ..";
ComfyUI writes the node graph it ran as JSON (``prompt``) and its editor state
(``workflow``), whose loader nodes name the checkpoint files; InvokeAI writes
``invokeai_metadata`` (3.x and later), ``sd-metadata`` (2.x) or a ``Dream`` command line
(1.x); NovelAI writes ``Software: NovelAI``, the model in ``Source`` and its settings as
JSON in ``Comment``.  Each recogniser returns a :class:`Recipe` or None, never raises.

These texts are written by whoever made the file, so every parse here is linear in the
text and bounded: no regular expression that can backtrack over an unbounded run, a
length cap on what is parsed, and JSON refused past a nesting depth (Python's parser
recurses, and 100,000 brackets would end it in a ``RecursionError``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

#: Model files a ComfyUI loader node names.
_MODEL_FILE = re.compile(r"\.(safetensors|ckpt|pt|pth|bin|gguf|sft)$", re.IGNORECASE)
#: Generator names an analyst knows, found in free text (EXIF, XMP, PNG comments).
_KNOWN = re.compile(
    r"(DALL[-\u00b7 ]?E(?: ?[23])?|ChatGPT|GPT-4o|OpenAI|Midjourney|Stable Diffusion(?: XL| 3(?:\.5)?)?|SDXL|"
    r"Adobe Firefly|Firefly|Imagen(?: \d)?|Gemini|FLUX(?:\.1)?|NovelAI|ComfyUI|InvokeAI|Automatic1111|"
    r"Leonardo\.Ai|Ideogram|Runway|Bing Image Creator|Copilot Designer|Craiyon|DreamStudio|Sora|Kandinsky|"
    r"Playground(?: v\d)?|Grok|Aurora|Seedream|Recraft|Hunyuan)", re.IGNORECASE)
_MADE_WITH = re.compile(r"\b(?:made|created|generated|produced) (?:with|by|using|in) ([^.;,\n]{2,60})", re.IGNORECASE)
#: Longest free text searched for a generator's name; a declaration sits near the start.
MAX_SEARCHED_CHARS = 20_000
#: Longest JSON parsed (a ComfyUI graph of hundreds of nodes is well under 1 MB).
MAX_JSON_CHARS = 2_000_000
#: Deepest JSON nesting parsed; real recipes nest a handful of levels.
MAX_JSON_DEPTH = 64
#: Longest Automatic1111 settings line parsed (real ones are a few hundred characters).
_MAX_SETTINGS_CHARS = 8_000
_A1111_KEY = re.compile(r"[A-Za-z][\w ]{0,63}")


@dataclass
class Recipe:
    """A recognised front-end's settings: the tool, the model it names, and the fields read."""

    tool: str
    model: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


def generator_in_text(text: str) -> str | None:
    """The generator a free text names ("Made with OpenAI DALL-E" -> "OpenAI DALL-E")."""
    text = text[:MAX_SEARCHED_CHARS]
    made = _MADE_WITH.search(text)
    if made and _KNOWN.search(made.group(1)):
        return made.group(1).strip()
    known = _KNOWN.search(text)
    return known.group(1) if known else None


def recognise(texts: dict[str, str]) -> Recipe | None:
    """The first front-end whose habit these PNG text chunks (keyword -> text) show."""
    for reader in (_automatic1111, _comfyui, _invokeai, _novelai):
        try:
            recipe = reader(texts)
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            recipe = None
        if recipe:
            return recipe
    return None


def _automatic1111(texts: dict[str, str]) -> Recipe | None:
    text = texts.get("parameters")
    if not text or "Steps:" not in text:
        return None
    fields = settings_fields(text[text.rfind("Steps:"):][:_MAX_SETTINGS_CHARS])
    prompt, _, _ = text.partition("\nNegative prompt:")
    if "Steps:" in prompt:
        prompt = prompt[:prompt.rfind("Steps:")]
    kept = {k: fields[k] for k in ("Model", "Model hash", "Sampler", "Steps", "CFG scale", "Seed", "Size", "Version")
            if k in fields}
    kept["Prompt"] = prompt.strip()[:300]
    tool = "Stable Diffusion web UI (Automatic1111 format)"
    if fields.get("Version", "").startswith("f"):
        tool = "Stable Diffusion WebUI Forge (Automatic1111 format)"
    return Recipe(tool, fields.get("Model") or fields.get("Model hash"), kept)


def settings_fields(settings: str) -> dict[str, str]:
    """``Key: value, Key: "quoted, value", ...`` -> {key: value}, in one left-to-right pass."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(settings):
        colon = settings.find(": ", position)
        if colon < 0:
            break
        key = settings[position:colon].strip()
        start = colon + 2
        if settings.startswith('"', start):
            close = settings.find('"', start + 1)
            close = len(settings) if close < 0 else close
            value, comma = settings[start + 1:close], settings.find(",", close)
        else:
            comma = settings.find(",", start)
            value = settings[start:comma if comma >= 0 else len(settings)]
        if _A1111_KEY.fullmatch(key):
            fields.setdefault(key, value.strip())
        position = len(settings) if comma < 0 else comma + 1
    return fields


def load_json(text: str) -> Any:
    """JSON from a file's text, refused (ValueError) when too long or nested too deep to parse safely."""
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"the JSON is longer than {MAX_JSON_CHARS:,} characters")
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _nesting(text) > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


def _nesting(text: str) -> int:
    """Deepest bracket nesting outside strings, in one pass (no parser recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _comfyui(texts: dict[str, str]) -> Recipe | None:
    if "prompt" not in texts and "workflow" not in texts:
        return None
    graph = load_json(texts["prompt"]) if "prompt" in texts else {}
    if not isinstance(graph, dict):
        return None
    models, fields = [], {}
    for node in graph.values():
        if not isinstance(node, dict):
            continue
        inputs = node.get("inputs") or {}
        for key, value in inputs.items():
            if isinstance(value, str) and (key.endswith("_name") and _MODEL_FILE.search(value)):
                models.append(value)
        if "sampler" in str(node.get("class_type", "")).lower() or "seed" in inputs:
            for key in ("seed", "noise_seed", "steps", "cfg", "sampler_name", "scheduler"):
                if key in inputs and not isinstance(inputs[key], list):
                    fields.setdefault(key, str(inputs[key]))
    if not graph and "workflow" in texts:
        nodes = load_json(texts["workflow"]).get("nodes", [])
        for node in nodes:
            for value in node.get("widgets_values") or []:
                if isinstance(value, str) and _MODEL_FILE.search(value):
                    models.append(value)
    models = list(dict.fromkeys(models))
    if models:
        fields["models loaded"] = ", ".join(models)
    return Recipe("ComfyUI", models[0] if models else None, fields)


def _invokeai(texts: dict[str, str]) -> Recipe | None:
    if "invokeai_metadata" in texts:
        meta: dict[str, Any] = load_json(texts["invokeai_metadata"])
        model = meta.get("model")
        name = (model.get("name") or model.get("model_name")) if isinstance(model, dict) else model
        fields = {k: str(meta[k]) for k in ("generation_mode", "seed", "steps", "cfg_scale", "scheduler", "app_version",
                                            "width", "height") if k in meta}
        return Recipe("InvokeAI", name, fields)
    if "sd-metadata" in texts:
        meta = load_json(texts["sd-metadata"])
        image = meta.get("image") or {}
        fields = {k: str(image[k]) for k in ("type", "sampler", "seed", "steps", "cfg_scale") if k in image}
        if "app_version" in meta:
            fields["app_version"] = str(meta["app_version"])
        return Recipe("InvokeAI", meta.get("model_weights") or meta.get("model"), fields)
    if "Dream" in texts:
        command = texts["Dream"]
        fields = {flag: value for flag, value in re.findall(r"(-[sSWHCAm]) (\S{1,500})", command[:_MAX_SETTINGS_CHARS])}
        return Recipe("InvokeAI (Dream)", fields.get("-m"), {"command": command[:300]})
    return None


def _novelai(texts: dict[str, str]) -> Recipe | None:
    if texts.get("Software", "").strip() != "NovelAI" and "NovelAI" not in texts.get("Source", ""):
        return None
    fields: dict[str, str] = {}
    if "Comment" in texts:
        comment = load_json(texts["Comment"])
        fields = {k: str(comment[k]) for k in ("steps", "sampler", "seed", "scale", "width", "height") if k in comment}
    return Recipe("NovelAI", texts.get("Source"), fields)
