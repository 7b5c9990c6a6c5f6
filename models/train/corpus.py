"""Synthetic agent corpus that sounds like people: many phrasings per intent (politeness, word order,
casing, typos, number words, operators as words, city and country names), the tool call with every
argument a span copied from the request (the engine's constrained decoder allows nothing else), the
tool's real result, and an answer that repeats it exactly; plus chat and out-of-scope requests
answered without a tool. ASCII only (the tokenizer's pre-split assumes it). Deterministic per seed.

Its request wrappers (phrases.py) must not match models/eval/natural.jsonl (models/natural.ts checks)."""
import random
import uuid

from arithmetic import spoken_math, words
from facts import fact, message
from phrases import (
    CALC_ASKS, CAN_DO, CHAT_ASKS, CLOCK_ASKS, CODES, COUNTRIES, DAYS, DOMAINS, HOURS, ITEMS, MAIL_ASKS, MONTHS,
    NAMES, NOTE_ASKS, OOS_ASKS, PEOPLE, PLACES, PREFIXES, STATES, SUFFIXES, THINGS,
)


def js_number(x: float):
    """Number(x.toPrecision(12)) as JavaScript prints it."""
    value = float(f"{x:.12g}")
    return int(value) if value.is_integer() else value


class Generator:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def num(self, n: int) -> str:
        """A number as people write it: digits mostly, words sometimes, thousands with a comma."""
        if n < 200 and self.chance(0.25):
            return words(n)
        return f"{n:,}" if n >= 1000 and self.chance(0.3) else str(n)

    def people_case(self, text: str) -> str:
        """Casing and small slips as people type: Capitalised, lower, SHOUTING, a dropped apostrophe."""
        roll = self.r.random()
        if roll < 0.3:
            text = text[0].upper() + text[1:]
        elif roll < 0.33:
            text = text.upper()
        if self.chance(0.15):
            text = text.replace("what's", "whats")
        return text

    def typo(self, wrapper: str) -> str:
        """A slip in one word of the wrapper (never in a slot): two letters swapped, one dropped or doubled."""
        words_ = wrapper.split(" ")
        spots = [i for i, w in enumerate(words_) if w.isalpha() and len(w) >= 4]
        if not spots:
            return wrapper
        i = self.pick(spots)
        w, k = words_[i], self.r.randrange(1, len(words_[i]) - 1)
        slip = self.r.randrange(3)
        words_[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:] if slip == 0 else w[:k] + w[k + 1:] if slip == 1 else w[:k] + w[k] + w[k:]
        return " ".join(words_)

    def dress(self, wrapper: str) -> str:
        """A wrapper as people pad it: sometimes a prefix ("ok so "), a suffix (" thanks"), a typo."""
        if self.chance(0.12):
            wrapper = self.typo(wrapper)
        if self.chance(0.3):
            wrapper = self.pick(PREFIXES) + wrapper
        if self.chance(0.3) and not wrapper.endswith(("?", "!")):
            wrapper += self.pick(SUFFIXES)
        return wrapper

    def email(self) -> str:
        first = self.pick(NAMES)
        second = self.pick(NAMES) if self.chance(0.3) else ""
        return f"{first}{self.pick(['.', '_', '']) if second else ''}{second}@{self.pick(DOMAINS)}"

    # --- tools ---------------------------------------------------------------------------------
    def calculator(self):
        span, value = spoken_math(self)
        value = js_number(value)
        ask = self.dress(self.pick(CALC_ASKS)).format(e=span)
        answer = self.pick(["{e} is {v}.", "That's {v}.", "It comes to {v}.", "The answer is {v}.", "{v}."]).format(e=span, v=value)
        return ask, {"name": "calculator", "args": {"expression": span}}, {"value": value}, answer, [str(value)]

    def clock(self):
        place = self.pick(list(PLACES))
        zone = PLACES[place]
        time = f"{self.r.randint(1, 28)} {self.pick(MONTHS)} 2026, {self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}"
        shown = place if self.chance(0.7) else place.lower()
        ask = self.dress(self.pick(CLOCK_ASKS)).format(p=shown)
        answer = self.pick(["It is {t} in {p}.", "In {p} it is {t}.", "{t} in {p}.", "Right now it is {t} ({z})."]).format(t=time, p=shown, z=zone)
        return ask, {"name": "clock", "args": {"timezone": shown}}, {"timezone": zone, "time": time}, answer, [time]

    def note_content(self):
        """(body, title): the body as the person says it, the title a span of it."""
        kind = self.r.randrange(7)
        if kind == 0:
            item = self.pick(ITEMS)
            return f"buy {item}", item
        if kind == 1:
            who, thing = self.pick(PEOPLE), self.pick(THINGS)
            return f"call {who} about {thing}", who.replace("the ", "").replace("my ", "")
        if kind == 2:
            thing, day = self.pick(THINGS), self.pick(DAYS)
            return f"{thing} is on {day}", thing.replace("the ", "")
        if kind == 3:
            item, day = self.pick(ITEMS), self.pick(DAYS)
            return f"pick up {item} {day}", item
        if kind == 4:
            what, code = self.pick(["the gate code", "my locker", "the wifi password", "the room", "the parking spot", "the pin"]), self.pick(CODES)
            return f"{what} is {code}", what.replace("the ", "").replace("my ", "")
        if kind == 5:
            name, day = self.pick(NAMES).capitalize(), self.pick(DAYS)
            return f"{name}'s birthday is {day}", "birthday"
        bill = self.pick(["electricity", "water", "phone", "internet", "gas", "rent"])
        return f"pay the {bill} bill by {self.pick(DAYS)}", f"{bill} bill"

    def save_note(self):
        body, title = fact(self) if self.chance(0.6) else self.note_content()
        count = self.r.randint(1, 40)
        ask = self.dress(self.pick(NOTE_ASKS)).format(b=body)
        answer = self.pick(['Saved "{t}". You have {n} notes.', 'Noted "{t}" ({n} notes saved).', 'Your note "{t}" is saved; {n} in total.']).format(t=title, n=count)
        return ask, {"name": "save_note", "args": {"title": title, "body": body}}, {"saved": True, "notes": count}, answer, [title, str(count)]

    def mail_content(self):
        """(body, subject): what the person wants said, and a span of it as the subject."""
        kind = self.r.randrange(5)
        if kind == 0:
            thing = self.pick(THINGS)
            state = self.pick(STATES).format(day=self.pick(DAYS), hour=self.pick(HOURS))
            return f"{thing} {state}", thing.replace("the ", "")
        if kind == 1:
            hour = self.pick(HOURS)
            meal = self.pick(["lunch", "dinner", "breakfast", "coffee", "the call", "practice"])
            return f"{meal} is at {hour}", meal.replace("the ", "")
        if kind == 2:
            item = self.pick(ITEMS)
            return f"please bring {item}", item
        if kind == 3:
            return f"I'm running {self.pick(['5', '10', '15', 'twenty'])} minutes late", "late"
        thing = self.pick(THINGS)
        return f"thanks for {thing}", "thanks"

    def send_email(self):
        to = self.email()
        body, subject = message(self) if self.chance(0.6) else self.mail_content()
        ask = self.dress(self.pick(MAIL_ASKS)).format(to=to, b=body)
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
        return ask, call, result, f"The approval expired, so the email to {to} was not sent.", ["expired"]

    def calculator_error(self):
        a = self.r.randint(1, 999)
        span = self.pick([f"{a} / 0", f"{a} divided by zero", f"divide {a} by 0"])
        ask = self.pick(["work out {e}", "solve {e}"]).format(e=span)
        result = {"error": {"code": "invalid_tool_args", "message": "cannot evaluate: division by zero"}}
        return ask, {"name": "calculator", "args": {"expression": span}}, result, "I can't divide by zero.", ["divide by zero"]

    def unknown_place_turn(self):
        """A clock request for a place no zone list has: the clock is not offered (decisions/0008), so say so."""
        place = self.pick(["Atlantis", "the moon", "Gondor", "my house", "Narnia", "the office", "Mars", "Hogwarts"])
        ask = self.dress(self.pick(["clock for {p}", "what's the current time in {p}", "give me the time in {p}"])).format(p=place)
        answer = f"I don't know a time zone for {place}; try a city."
        return [{"role": "user", "content": self.people_case(ask)}, {"role": "assistant", "content": answer}], {"kind": "chat", "evidence": []}

    # --- conversations -------------------------------------------------------------------------
    def tool_turn(self):
        kind = self.r.choices(["calculator", "clock", "save_note", "send_email", "calculator_error"], [26, 22, 22, 26, 3])[0]
        ask, call, result, answer, evidence = getattr(self, kind)()
        messages = [
            {"role": "user", "content": self.people_case(ask) if call["name"] != "send_email" else ask},
            {"role": "assistant", "toolCall": call},
            {"role": "tool", "name": call["name"], "content": result},
            {"role": "assistant", "content": answer},
        ]
        # Arguments are spans of the request as typed (casing included): copy what is there.
        typed = messages[0]["content"]
        for key, value in call["args"].items():
            if value not in typed:
                lowered = typed.lower().find(value.lower())
                call["args"][key] = typed[lowered:lowered + len(value)] if lowered >= 0 else value
        return messages, {"kind": "tool", "tool": call["name"], "evidence": evidence}

    def chat_turn(self):
        asks, answer = self.pick(list(CHAT_ASKS.items()))
        ask = self.pick(asks)
        if self.chance(0.1):
            ask = self.typo(ask)
        return [{"role": "user", "content": self.people_case(ask)}, {"role": "assistant", "content": answer}], {"kind": "chat", "evidence": []}

    def out_of_scope_turn(self):
        city = self.pick([p for p in PLACES if "/" not in p and p != "UTC"])
        ask = self.dress(self.pick(OOS_ASKS)).format(country=self.pick(COUNTRIES), 
            c=city, h=self.pick(HOURS), n=self.r.randint(2, 30), x=self.pick(["hello", "good night", "where is the station", "thank you"]),
            lang=self.pick(["French", "German", "Spanish", "Italian", "Japanese"]), who=self.pick(["my dad", "the office", "Sam", "Leo", "the team"]),
            thing=self.pick(["concert tickets", "a new phone", "shoes", "jazz", "the radio", "my playlist"]))
        answer = self.pick([f"I can't do that here; {CAN_DO}", f"Sorry, I can't do that. {CAN_DO}"])
        return [{"role": "user", "content": self.people_case(ask)}, {"role": "assistant", "content": answer}], {"kind": "chat", "evidence": []}

    def conversation(self):
        """One to three turns; the last turn is the one evaluated."""
        def turn():
            roll = self.r.random()
            return self.tool_turn() if roll < 0.64 else self.chat_turn() if roll < 0.79 else self.unknown_place_turn() if roll < 0.81 else self.out_of_scope_turn()
        count = 1 if self.chance(0.7) else 2 if self.chance(0.7) else 3
        turns = [turn() for _ in range(count)]
        messages = [m for t, _ in turns for m in t]
        return messages, turns[-1][1], len(messages) - len(turns[-1][0])
