"""Synthetic agent corpus: requests across the runtime's tools, the tool call with arguments copied
from the request, the tool's result, and a final answer that uses it; plus plain chat and refusals.
Deterministic for a given seed."""
import random
import uuid

# A wide pool, and no word twice in one request: with a small pool the same word kept landing in
# both the subject and the body, and copying then had two equally good sources (decisions/0004).
WORDS = ("budget launch garden invoice roadmap dentist groceries quarterly meeting review deploy piano "
         "passport kitchen taxes coffee report design offsite hiring demo backup travel lunch contract "
         "server birthday painting laptop renewal training workshop sprint marathon recipe insurance "
         "apple bridge candle dinner engine forest guitar harbor island jacket kettle ladder mirror "
         "notebook orange pencil quilt river saddle ticket umbrella violin window yogurt zipper anchor "
         "blanket camera desert elbow feather glacier hammer igloo jungle koala lemon magnet needle "
         "ocean parrot quartz rocket spinach tomato uniform valley walnut yacht zebra bakery cinema "
         "dolphin emerald falcon gadget helmet iceberg jigsaw kayak lantern meadow nectar oyster "
         "pepper raisin salmon tulip vendor wizard almond basket cactus diesel eagle fabric ginger "
         "hazel ivory jasmine ketchup lobster mango nickel olive pumpkin radar sugar turtle velvet "
         "waffle cobalt denim ember fossil granite hollow indigo juniper kiwi lilac marble noodle "
         "opal pebble quiver ribbon sapphire thistle urchin vapor willow").split()
NAMES = ("alice bob carol dave erin frank grace heidi ivan judy mallory nina oscar peggy quinn rupert "
         "sybil trent uma victor wendy xavier yara zoe").split()
DOMAINS = ["example.com", "example.org", "mail.test", "acme.io", "corp.example"]
ZONES = ["Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago",
         "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Asia/Singapore",
         "Australia/Sydney", "Africa/Nairobi", "UTC", "Europe/London", "Pacific/Auckland"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"]


def js_number(x: float):
    """Number(x.toPrecision(12)) as JavaScript prints it."""
    value = float(f"{x:.12g}")
    return int(value) if value.is_integer() else value


class Generator:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def phrases(self, *sizes) -> list:
        """Phrases of the given (lo, hi) word counts, no word used twice across them."""
        counts = [self.r.randint(lo, hi) for lo, hi in sizes]
        words = self.r.sample(WORDS, sum(counts))
        out = []
        for n in counts:
            out.append(" ".join(words[:n]))
            words = words[n:]
        return out

    def email(self) -> str:
        # Draw order is part of the seeded corpus: keep it (name, separator, second name?, domain).
        first, sep = self.pick(NAMES), self.r.choice(["", ".", "_"])
        second = self.pick(NAMES) if self.r.random() < 0.4 else ""
        return f"{first}{sep if second else ''}{second}@{self.pick(DOMAINS)}"

    # --- tools ---------------------------------------------------------------------------------
    def calculator(self):
        a, b, c = self.r.randint(1, 999), self.r.randint(1, 99), self.r.randint(1, 20)
        op = self.pick(["+", "-", "*", "/"])
        expr = self.pick([f"{a} {op} {b}", f"{a}{op}{b}", f"({a} + {b}) * {c}", f"{a} * {b} - {c}", f"{a} % {b}", f"{b} ^ 2"])
        value = js_number(eval(expr.replace("^", "**")))  # noqa: S307 — our own arithmetic strings
        ask = self.pick(["what is {e}?", "calculate {e}", "compute {e} please", "how much is {e}?", "{e} = ?", "can you work out {e}", "What's {e}"]).format(e=expr)
        answer = self.pick(["{e} = {v}.", "The answer is {v}.", "It comes to {v}.", "{v}"]).format(e=expr, v=value)
        return ask, {"name": "calculator", "args": {"expression": expr}}, {"value": value}, answer, [str(value)]

    def clock(self):
        zone = self.pick(ZONES)
        time = f"{self.r.randint(1, 28)} {self.pick(MONTHS)} 2026, {self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}"
        city = zone.split("/")[-1].replace("_", " ")
        ask = self.pick(["what time is it in {z}?", "time in {z}", "current time for {z} please", "what's the date and time in {z}", "clock {z}"]).format(z=zone, c=city)
        answer = self.pick(["It is {t} in {z}.", "In {z} it is {t}.", "{t} ({z})."]).format(t=time, z=zone)
        return ask, {"name": "clock", "args": {"timezone": zone}}, {"timezone": zone, "time": time}, answer, [time]

    def save_note(self):
        (title, body), count = self.phrases((1, 2), (2, 6)), self.r.randint(1, 40)
        ask = self.pick(['save a note "{t}": {b}', "note titled {t} saying {b}", 'remember this as "{t}": {b}', "make a note {t}: {b}"]).format(t=title, b=body)
        answer = self.pick(['Saved "{t}". You have {n} notes.', 'Noted "{t}" ({n} notes saved).', 'Your note "{t}" is saved; {n} in total.']).format(t=title, n=count)
        return ask, {"name": "save_note", "args": {"title": title, "body": body}}, {"saved": True, "notes": count}, answer, [title, str(count)]

    def send_email(self):
        to, (subject, body) = self.email(), self.phrases((1, 2), (2, 6))
        ask = self.pick(["email {to} about {s}: {b}", "send an email to {to} with subject {s} saying {b}", "write to {to} re {s}: {b}", "mail {to} subject {s} body {b}"]).format(to=to, s=subject, b=body)
        call = {"name": "send_email", "args": {"to": to, "subject": subject, "body": body}}
        outcome = self.r.random()
        if outcome < 0.7:
            message_id = str(uuid.UUID(int=self.r.getrandbits(128), version=4))
            answer = self.pick(["I sent it to {to}.", "Done: your email to {to} is sent.", "Email sent to {to}."]).format(to=to)
            return ask, call, {"sent": True, "messageId": message_id}, answer, [to, "sent"]
        if outcome < 0.85:
            result = {"error": {"code": "rejected_by_user", "message": "the user rejected this action"}}
            answer = self.pick(["OK, the email to {to} was not sent.", "Understood: not sent to {to}."]).format(to=to)
            return ask, call, result, answer, ["not sent", to]
        result = {"error": {"code": "approval_expired", "message": "nobody approved this action in time"}}
        answer = f"The approval expired, so the email to {to} was not sent."
        return ask, call, result, answer, ["expired"]

    def calculator_error(self):
        a = self.r.randint(1, 999)
        expr = f"{a} / 0"
        ask = self.pick(["what is {e}?", "calculate {e}"]).format(e=expr)
        result = {"error": {"code": "invalid_tool_args", "message": f'cannot evaluate "{expr}": division by zero'}}
        return ask, {"name": "calculator", "args": {"expression": expr}}, result, "I can't divide by zero.", ["divide by zero"]

    # --- conversations -------------------------------------------------------------------------
    def tool_turn(self):
        # Weighted toward the tools with long free-text arguments: copying them exactly is the hard part.
        kind = self.r.choices(["calculator", "clock", "save_note", "send_email", "calculator_error"], [20, 15, 27, 33, 5])[0]
        ask, call, result, answer, evidence = getattr(self, kind)()
        if self.r.random() < 0.3:
            ask = ask[0].upper() + ask[1:]
        messages = [
            {"role": "user", "content": ask},
            {"role": "assistant", "toolCall": call},
            {"role": "tool", "name": call["name"], "content": result},
            {"role": "assistant", "content": answer},
        ]
        return messages, {"kind": "tool", "tool": call["name"], "evidence": evidence}

    def chat_turn(self):
        ask, answer = self.pick([
            (self.pick(["hi", "hello", "hey there", "good morning"]), "Hello! I can do math, tell the time, save notes and send email."),
            (self.pick(["what can you do?", "help", "who are you?"]), "I am a small on-device assistant: calculator, clock, notes and email."),
            (self.pick(["thanks", "thank you!", "great, thanks"]), "You're welcome."),
            (self.pick(["hack my neighbour's wifi", "write malware for me", "how do I steal a password?"]), "Sorry, I can't help with that."),
            (self.pick(["tell me a joke", "what is the meaning of life?", "write a poem about " + self.pick(WORDS)]), "I can only help with math, time, notes and email."),
        ])
        return [{"role": "user", "content": ask}, {"role": "assistant", "content": answer}], {"kind": "chat", "evidence": []}

    def conversation(self):
        """One or two turns; the last turn is the one evaluated."""
        turns = [self.tool_turn() if self.r.random() < 0.82 else self.chat_turn() for _ in range(1 if self.r.random() < 0.85 else 2)]
        messages = [m for turn, _ in turns for m in turn]
        return messages, turns[-1][1], len(messages) - len(turns[-1][0])
