"""What people put in notes and emails, composed from parts so bodies are many and read like life:
(body, title) where the title is a span of the body. Used by corpus.py alongside its older forms."""
from phrases import DAYS, HOURS, ITEMS, NAMES

OBJECTS = ("spare key|passport|phone charger|umbrella|remote|tape measure|first aid kit|torch|receipts|warranty card|"
           "bike pump|car keys|sunglasses|spare glasses|tax papers|birth certificate|headphones|laptop bag|ladder|drill").split("|")
SPOTS = ("blue pot|top drawer|garage|glovebox|kitchen cupboard|hallway cabinet|red box|shed|attic|desk drawer|"
         "coat pocket|car boot|bathroom shelf|filing cabinet|green folder|back porch").split("|")
ATTRIBUTES = ("shoe size|blood type|seat number|bike lock code|gym pin|coat size|ring size|library card number|"
              "frequent flyer number|licence plate|door code|table number|booking reference").split("|")
VALUES = ["42", "A positive", "14C", "7731", "tulip42", "M", "9", "558 201", "KX 551", "0093", "12", "QZ7-118", "B12"]
LIKES = ("tea|coffee|window seats|dark chocolate|spicy food|early meetings|cats|jazz|the red wine|pasta|"
         "green tea|oat milk|cycling|the aisle seat").split("|")
APPLIANCES = "boiler|washing machine|car|dishwasher|fridge|heater|bike|printer|oven|smoke alarm|roof|laptop".split("|")
DONE = "serviced|fixed|cleaned|checked|repaired|replaced|inspected|painted".split("|")
EVENTS = ("book club|yoga class|parents evening|dentist appointment|piano lesson|football practice|team dinner|"
          "school play|vet visit|haircut|car service|flu jab|driving lesson|standup|quiz night").split("|")
DOCUMENTS = "passport|insurance|parking permit|gym membership|car tax|library card|phone contract|visa|subscription".split("|")
CHORES = ("water the plants|feed the cat|take the bins out|defrost the freezer|change the bed sheets|walk the dog|"
          "call the bank|book the MOT|back up the laptop|clean the gutters|order more printer ink").split("|")


def fact(g):
    """(body, title) of a note, `g` a corpus Generator (pick, chance)."""
    name = g.pick(NAMES).capitalize()
    kind = g.r.randrange(11)
    if kind == 0:
        obj = g.pick(OBJECTS)
        return f"the {obj} is in the {g.pick(SPOTS)}", obj
    if kind == 1:
        attr = g.pick(ATTRIBUTES)
        return f"my {attr} is {g.pick(VALUES)}", attr
    if kind == 2:
        return f"ask {name} about the {g.pick(EVENTS)}", name
    if kind == 3:
        likes = g.pick(LIKES)
        return g.pick([f"{name} prefers {likes} over {g.pick(LIKES)}", f"{name} likes {likes}", f"{name} is allergic to {likes}"]), name
    if kind == 4:
        thing = g.pick(APPLIANCES)
        return f"the {thing} was {g.pick(DONE)} {g.pick(DAYS)}", thing
    if kind == 5:
        event = g.pick(EVENTS)
        return g.pick([f"{event} moved to {g.pick(DAYS)}", f"{event} is at {g.pick(HOURS)}", f"{event} on {g.pick(DAYS)} at {g.pick(HOURS)}"]), event
    if kind == 6:
        doc = g.pick(DOCUMENTS)
        return g.pick([f"renew the {doc} before {g.pick(DAYS)}", f"the {doc} runs out on {g.pick(DAYS)}"]), doc
    if kind == 7:
        chore = g.pick(CHORES)
        return g.pick([chore, f"{chore} on {g.pick(DAYS)}", f"{chore} at {g.pick(HOURS)}"]), chore
    if kind == 8:
        attr = g.pick(ATTRIBUTES)
        return f"{name}'s {attr} is {g.pick(VALUES)}", name
    if kind == 9:
        item = g.pick(ITEMS + OBJECTS)
        return f"return the {item} to {name}" if not item.startswith("a ") else f"give {item} to {name}", name
    first = g.pick(ITEMS)
    return f"{first}, {g.pick(ITEMS)} and {g.pick(ITEMS)}", first


def message(g):
    """(body, subject) of an email."""
    kind = g.r.randrange(6)
    if kind == 0:
        event = g.pick(EVENTS)
        return g.pick([f"the {event} moved to {g.pick(DAYS)}", f"the {event} is at {g.pick(HOURS)}", f"the {event} is cancelled"]), event
    if kind == 1:
        item = g.pick(OBJECTS)
        return g.pick([f"I'll bring the {item}", f"the {item} is in the {g.pick(SPOTS)}", f"can you send me the {item}"]), item
    if kind == 2:
        doc = g.pick(DOCUMENTS)
        return f"the {doc} needs renewing by {g.pick(DAYS)}", doc
    if kind == 3:
        body = g.pick(["please call me back", "see you at " + g.pick(HOURS), "I'm on my way", "I'll be home late", "running behind, start without me"])
        return body, body
    if kind == 4:
        thing = g.pick(APPLIANCES)
        return f"the {thing} was {g.pick(DONE)} today", thing
    body, title = fact(g)
    return body, title
