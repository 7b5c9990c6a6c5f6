"""The chat format of src/protocol/chat-format.ts, byte for byte (a node test checks the two agree)."""
import json

USER, ASSISTANT, TOOL, CALL, END = "<|user|>", "<|assistant|>", "<|tool|>", "<|call|>", "<|end|>"
SPECIAL_TOKENS = [END, USER, ASSISTANT, TOOL, CALL]


def to_json(value) -> str:
    """JSON.stringify: no spaces, non-ASCII kept, integral floats written as integers."""
    return json.dumps(_js_numbers(value), separators=(",", ":"), ensure_ascii=False)


def _js_numbers(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js_numbers(v) for v in value]
    return value


def render_message(message: dict) -> str:
    role = message["role"]
    if role == "user":
        return f"{USER}{message['content']}{END}"
    if role == "tool":
        return f"{TOOL}{to_json({'name': message['name'], 'result': message['content']})}{END}"
    if "toolCall" in message:
        return f"{ASSISTANT}{CALL}{to_json(message['toolCall'])}{END}"
    return f"{ASSISTANT}{message['content']}{END}"


def render_prompt(messages: list) -> str:
    """The prompt for the next assistant turn: the conversation, then an open assistant tag."""
    return "".join(render_message(m) for m in messages) + ASSISTANT


def render_conversation(messages: list) -> str:
    """A whole conversation, for training."""
    return "".join(render_message(m) for m in messages)
