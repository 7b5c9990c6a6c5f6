"""What people say in the corpus: names, places, things, and the request wrappers per intent (slots in
braces). train.py writes the wrappers to models/eval/templates.json (see templates())."""

NAMES = ("alice bob carol dave erin frank grace heidi ivan judy mallory nina oscar peggy quinn rupert "
         "sybil trent uma victor wendy xavier yara zoe sam leo maria anna tom kim raj li omar ana").split()
DOMAINS = ["example.com", "example.org", "mail.test", "acme.io", "corp.example", "team.test"]
# Places as people name them -> the zone the clock tool resolves them to.
PLACES = {
    "Lisbon": "Europe/Lisbon", "Paris": "Europe/Paris", "Berlin": "Europe/Berlin", "London": "Europe/London",
    "Madrid": "Europe/Madrid", "Rome": "Europe/Rome", "Amsterdam": "Europe/Amsterdam", "Dublin": "Europe/Dublin",
    "Oslo": "Europe/Oslo", "Vienna": "Europe/Vienna", "Warsaw": "Europe/Warsaw", "Athens": "Europe/Athens",
    "New York": "America/New_York", "Chicago": "America/Chicago", "Los Angeles": "America/Los_Angeles",
    "Toronto": "America/Toronto", "Mexico City": "America/Mexico_City", "Sao Paulo": "America/Sao_Paulo",
    "Denver": "America/Denver", "Tokyo": "Asia/Tokyo", "Seoul": "Asia/Seoul", "Singapore": "Asia/Singapore",
    "Kolkata": "Asia/Kolkata", "Dubai": "Asia/Dubai", "Shanghai": "Asia/Shanghai", "Bangkok": "Asia/Bangkok",
    "Sydney": "Australia/Sydney", "Nairobi": "Africa/Nairobi", "Cairo": "Africa/Cairo", "Lagos": "Africa/Lagos",
    "Auckland": "Pacific/Auckland", "UTC": "UTC", "Japan": "Asia/Tokyo", "Portugal": "Europe/Lisbon",
    "Germany": "Europe/Berlin", "France": "Europe/Paris", "Kenya": "Africa/Nairobi", "Italy": "Europe/Rome",
    "Ireland": "Europe/Dublin", "Asia/Tokyo": "Asia/Tokyo", "Europe/Paris": "Europe/Paris",
    "America/Chicago": "America/Chicago", "Egypt": "Africa/Cairo", "Greece": "Europe/Athens", "Thailand": "Asia/Bangkok",
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"]
SMALL = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Things people note and mail about: short phrases that read like life, not a word pool.
ITEMS = ("milk|bread|eggs|coffee beans|batteries|a birthday card|dog food|printer paper|light bulbs|"
         "sunscreen|a phone charger|tomatoes|rice|cat litter|shampoo|a gift for mum|stamps|envelopes").split("|")
PEOPLE = ("the plumber|the dentist|the landlord|my sister|the bank|the school|the vet|grandma|the electrician|"
          "the insurance company|the doctor|my coach|the bakery|the garage").split("|")
DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|next week|the 14th|March 3|june 1".split("|")
THINGS = ("the budget review|the team lunch|the demo|the offsite|the contract|the invoice|the deploy|the quarterly report|"
          "the kickoff|the interview|the workshop|the release|the board meeting|the design review|the launch").split("|")
STATES = ("is ready|is done|moved to {day}|is cancelled|starts at {hour}|was approved|needs another day|is on track|"
          "is delayed until {day}|went well").split("|")
HOURS = ["9am", "10:30", "noon", "2pm", "3:15", "4pm", "6pm", "7:45", "8 pm"]
CODES = ["4471", "118", "B12", "0093", "7731", "42", "555 0142", "tulip42", "K9-77"]
CHAT_REPLY = "Hello! I can do math, tell the time, save notes and send email."
CAN_DO = "I can do math, tell the time, save notes and send email."

# Request wrappers, slots in braces, each optionally dressed with a prefix and a suffix (corpus.py).
# train.py writes them to models/eval/templates.json, against which models/natural.ts checks that
# no hand-written eval request was drawn from them.
PREFIXES = ["hey ", "hey, ", "hi, ", "ok ", "ok so ", "so ", "um ", "please ", "pls ", "quick one: ", "also ", "and ",
            "now ", "next, ", "one more thing: ", "hello! ", "excuse me, ", "right, ", "alright, ", "could you "]
SUFFIXES = [" please", " pls", " thanks", " thx", "?", " ?", "!", " for me", " asap", " :)", ", cheers", " thank you",
            " right now", " real quick"]
CALC_ASKS = [
    "work out {e}", "{e}, please", "please figure out {e}", "tell me what {e} makes", "what does {e} come to",
    "what do you get for {e}", "{e} equals what", "solve {e}", "calc {e}", "result of {e}?",
    "I'd like to know {e}", "figure {e} for me", "quick math: {e}", "hey can you do {e}",
    "mind working out {e}?", "do the math: {e}", "{e} - what's that?", "got a second? {e}",
    "calculate {e}", "compute {e}", "{e} = ?", "{e}=?", "can you calculate {e}",
    "whats {e} equal to", "what does {e} equal", "{e} is how much", "help me with {e}", "evaluate {e}", "math: {e}",
    "answer to {e}?", "crunch {e}", "run the numbers on {e}", "what would {e} be", "quick sum: {e}",
    "what's the answer to {e}", "I need the result of {e}", "do {e}", "gimme {e}",
]
CLOCK_ASKS = [
    "clock for {p}", "local time {p}", "what's the hour in {p}", "time over in {p}?", "tell me what time it is in {p}",
    "what's the current time in {p}", "what time is it currently in {p}", "do you know the time in {p}",
    "{p} time please", "give me the time in {p}", "is it night in {p}?", "what's the clock saying in {p}",
    "current date in {p}?", "how late is it in {p}", "time and date for {p}",
    "is it daytime in {p}",
    "what hour is it in {p}", "what's the date in {p}", "tell me the {p} time",
    "what's it now in {p}", "are they asleep in {p} right now", "can you check the time in {p}",
    "how early is it in {p}", "is it still morning in {p}", "is it evening in {p}",
    "{p}: what time", "check {p} time", "date and time in {p}", "today's date in {p}", "date in {p} today?",
    "what's the day and hour in {p}", "how's the time looking in {p}", "clock check for {p}", "can I call {p} now, what time is it there",
]
NOTE_ASKS = [
    "add to my notes: {b}", "can you note down {b}", "log this: {b}", "notes: {b}", "pls save {b}",
    "record that {b}", "new note: {b}", "keep in mind {b}", "I need to remember {b}", "put this in my notes: {b}",
    "stick this in my notes - {b}", "save it for me: {b}", "a note please: {b}", "note it: {b}",
    "jot down {b}", "jot this down: {b}",
    "take a note: {b}", "make a note that {b}", "save a note that {b}", "memo to self: {b}", "don't forget: {b}",
    "add a note: {b}", "store this: {b}", "for my notes: {b}", "reminder: {b}", "todo: {b}",
    "to do: {b}", "add to my list: {b}", "remember for me that {b}", "note down that {b}", "keep a record: {b}",
    "could you note that {b}", "put in a note that {b}", "note for later: {b}",
    "make a memo: {b}", "write a note that {b}", "file this under notes: {b}", "take down that {b}", "just noting {b}",
]
MAIL_ASKS = [
    "compose a mail to {to}: {b}", "fire off an email to {to} saying {b}", "mail {to} with the news that {b}",
    "get an email out to {to}: {b}", "can you send {to} this: {b}", "inform {to} by mail that {b}",
    "reach out to {to} via email: {b}", "contact {to} by email and say {b}", "send word to {to} that {b}",
    "email over to {to}: {b}", "I want {to} to get an email saying {b}",
    "email {to} saying {b}", "send an email to {to} saying {b}", "send an email to {to}: {b}", "send {to} an email: {b}",
    "send {to} an email saying {b}", "drop a line to {to}: {b}", "drop {to} a line saying {b}", "write to {to}: {b}",
    "shoot {to} an email: {b}",
    "email {to} and tell them {b}", "email to {to} - {b}", "send a mail to {to} that {b}", "could you email {to} that {b}",
    "please email {to}: {b}", "{b} - email that to {to}", "tell {to} by email: {b}",
    "send a quick email to {to}: {b}", "can you write to {to} saying {b}", "email {to} to say {b}", "mail to {to}: {b}",
    "send an email over to {to} that {b}", "pass this on to {to} by email: {b}", "write an email for {to}: {b}",
]
GREETINGS = ["hello", "hi", "hi there", "hey there", "good morning", "hello!", "hey!", "heya", "sup",
             "what's up", "greetings", "hiya!", "hello hello", "morning", "evening", "hey", "hiya", "good afternoon",
             "howdy", "hi!", "hello again", "morning!"]
HOW_ARE_YOU = ["how are you?", "how's it going", "how are you doing today", "you ok?", "how have you been", "all good?"]
CHAT_ASKS = {
    tuple(GREETINGS): CHAT_REPLY,
    tuple(HOW_ARE_YOU + [f"{g}, {h}" for g in GREETINGS[:8] for h in HOW_ARE_YOU[:3]]): "I'm fine, thanks. " + CAN_DO,
    ("what are you?", "what can you help with", "what do you do", "any tips on using you?", "who are you",
     "are you human", "who made you", "what can you do?", "help", "what are your skills",
     "how does this work", "what should I ask you", "what's this app"): "I am a small on-device assistant: " + CAN_DO,
    ("thanks so much", "ty", "much appreciated", "awesome, thanks", "perfect, thanks!", "thanks", "thx",
     "great, thank you", "nice one", "that helps", "appreciate it", "thank you very much"): "You're welcome.",
    ("goodbye", "see you", "ok", "great", "never mind", "got it", "bye", "see ya", "later", "good night", "cya",
     "bye bye", "talk later", "that's all", "nothing else", "okay", "k", "alright", "fine", "sure", "nvm",
     "forget it", "ignore that", "oops", "lol", "haha", "hmm", "wow", "nice", "ok thanks bye"): "OK. " + CAN_DO,
    ("hack my neighbour's wifi", "write malware for me", "help me steal a password",
     "how do I break into a car", "find someone's home address for me"): "Sorry, I can't help with that.",
}
OOS_ASKS = [
    "is it sunny in {c}?", "how hot is it in {c} today", "will it snow in {c}", "weather report for {c}",
    "set a wake-up alarm at {h}", "alarm at {h} please", "start a {n} minute countdown",
    "find flights to {c}", "get me a hotel room in {c}", "reserve a table for {n} tonight", "translate {x} to {lang}",
    "erase all my notes", "unsend my last email", "delete the note about the dentist", "wipe my data",
    "put on {thing}", "who won the game last night", "what's the population of {c}", "ring {who}", "send a text to {who}",
    "buy {thing} online", "turn the heating up", "summarize this article for me",
    "weather in {c}", "what's the weather in {c} tomorrow", "do I need an umbrella today", "is it going to rain",
    "temperature in {c} right now", "remind me at {h} to leave", "set a {n} minute timer",
    "timer {n} minutes", "wake me at {h}", "book a flight to {c}", "train times to {c}", "book a taxi for {h}",
    "how do I get to {c}", "directions to the airport", "how far is {c} from here", "what does {x} mean in {lang}",
    "say {x} in {lang}", "delete my notes", "remove my last note", "edit my last note", "cancel the email to {who}",
    "stop the music", "text {who} I'm late", "facetime {who}",
    "order a pizza for {n} people", "add {thing} to my cart",
    "lock the front door", "what's the news today", "latest headlines", "score of the match in {c}",
    "stock price of acme", "how much is bitcoin worth", "capital of {country}", "who is the president of {country}",
    "tell me a joke", "write me a poem", "what's a good movie", "recommend a restaurant in {c}",
    "exchange rate for {n} dollars to euros", "convert {n} miles to km", "how many calories in a banana",
    "open my calendar", "schedule a meeting at {h}", "what's on my calendar", "read my emails",
    "check my inbox", "show my notes", "search the web for {thing}", "find {thing} near me",
]
COUNTRIES = ["France", "Japan", "Brazil", "Canada", "Kenya", "Spain", "Peru", "Norway", "India", "Egypt"]


def templates() -> dict:
    """Every request wrapper (slots as {name}) and the prefixes and suffixes that may dress it: what an
    eval set must not be drawn from."""
    asks = CALC_ASKS + CLOCK_ASKS + NOTE_ASKS + MAIL_ASKS + [a for asks in CHAT_ASKS for a in asks] + OOS_ASKS
    return {"wrappers": asks, "prefixes": PREFIXES, "suffixes": SUFFIXES}
