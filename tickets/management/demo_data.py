"""The demo's people, teams, customers and ticket stories (`manage.py seed_demo` plays them
through the services); data only, apart from the `Spec` of a story."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MANAGER = "manager"
# username, password, first name, last name, group (None: superuser)
USERS = [
    ("admin", "admin", "", "", None),
    (MANAGER, "manager", "Marieke", "Jansen", "Managers"),
    ("anna", "agent", "Anna", "de Vries", "Agents"),
    ("piotr", "agent", "Piotr", "Nowak", "Agents"),
    ("sam", "agent", "Sam", "Taylor", "Agents"),
]
# team, lead, members
TEAMS = [
    ("Support", MANAGER, ["anna", "piotr", "sam"]),
    ("Returns", "piotr", ["piotr", "anna"]),
    ("Social", "sam", ["sam", "anna"]),
]
# The general team: its lead hears of SLA warnings on tickets nobody owns.
DEFAULT_TEAM = "Support"
# The number customers call (Twilio's `To`), and the team new phone tickets go to.
PHONE_NUMBER = ("+31201234567", "Support line", "Support")
ORGANISATION = ("Festival Friends BV", "festivalfriends.nl")
# The address customers mail (name, address, team); it acknowledges with the promise.
MAILBOX = ("Support", "support@helpdesk.localhost", "Support")
# key, name, language, identities as "kind:value" (the first one creates the customer)
CUSTOMERS = [
    ("lotte", "Lotte Visser", "nl", "email:lotte.visser@example.nl phone:+31612345678"),
    ("daan", "Daan de Jong", "nl", "email:Daan@FestivalFriends.nl phone:+31623456789"),
    ("sanne", "Sanne Bakker", "nl", "email:sanne.bakker@festivalfriends.nl"),
    # Only a phone number: his WhatsApp message joins him by the same number.
    ("jeroen", "Jeroen Smit", "nl", "phone:0687654321"),
    ("emma", "Emma van Dijk", "nl", "instagram:17841400000000001 email:emma.vdijk@example.nl"),
    ("ruben", "Ruben Mulder", "nl", "email:ruben.mulder@example.nl"),
    ("kasia", "Katarzyna Kowalska", "pl", "email:k.kowalska@example.pl whatsapp:48601234567"),
    ("tomasz", "Tomasz Wiśniewski", "pl", "facebook:6291847301928374 phone:+48512345678"),
    ("aga", "Agnieszka Wójcik", "pl", "chat:visitor-7f3a2c91 email:a.wojcik@example.pl"),
    ("michal", "Michał Kamiński", "pl", "x:@michal_kaminski"),
    ("magda", "Magdalena Lewandowska", "pl", "email:magda.lewandowska@example.pl"),
    ("oliver", "Oliver Smith", "en", "email:oliver.smith@example.co.uk phone:+447911123456"),
    ("charlotte", "Charlotte Brown", "en", "x:@CharlotteB email:charlotte.b@example.com"),
    ("james", "James Wilson", "en", "chat:visitor-b51e0d44 email:james.wilson@example.com"),
    ("sophie", "Sophie Taylor", "en", "instagram:17841400000000002"),
]


@dataclass
class Spec:
    """One ticket's story. Steps: ("in", days_ago, text[, options]), ("auto", text),
    ("ack",) (the mailbox's acknowledgement with the promise), ("delay",) (the delay notice
    of the running response clock, as the sweep's task sends it),
    ("out" | "note", user, text), ("call", user, seconds, notes), ("status", status),
    ("priority", n), ("identity", kind, value), ("assign", user), ("team", name), ("tags", […]),
    ("subject", text); ("at", days_ago) moves the story's clock for the steps after it.
    Assignee, team and tags are set right after the first inbound message."""

    who: str
    channel: str
    subject: str
    agent: str | None
    team: str | None
    tags: list[str]
    steps: list[tuple[Any, ...]] = field(default_factory=list)


LOTTE = (
    "Beste organisatie,\n\nMijn vader is vorige maand overleden. Hij had een kaart voor het "
    "Zomerklanken festival (bestelling 48213) en verheugde zich er enorm op. Ik wil zijn kaart "
    "graag op naam van mijn broer Bas zetten, of anders terugbetaald krijgen. Ik heb al gebeld "
    "maar niemand nam op. Dit valt me heel zwaar; laat alstublieft iets weten.\n\nLotte Visser"
)
FESTIVAL = Spec("lotte", "phone", "", None, None, [], [
    ("in", 40, "Gemiste oproep", {"call_answered": False}),
    ("in", 39.9, LOTTE, {"channel": "email", "subject": "Kaart van mijn overleden vader"}),
    # What she hears back now: when a person will answer (the mailbox's acknowledgement)…
    ("ack",),
    # …and, when nobody has answered by the at-risk time (36 of 48 h), the honest notice.
    ("at", 38.4), ("delay",),
    ("in", 32.8, "Ik heb nog niets gehoord. Het festival is over een maand. Kunt u reageren?\n\n"
     + LOTTE, {"channel": "email"}),
    ("identity", "facebook", "7364829100112233"),
    ("in", 32.7, LOTTE, {"channel": "facebook"}),
    ("in", 28, "Gemiste oproep", {"call_answered": False}),
    ("in", 21, "Gemiste oproep", {"call_answered": False, "call_duration_seconds": 0}),
    ("in", 6, "Het festival is volgende week. Al vijf keer contact gezocht, nooit een echt "
     "antwoord. Ik ben hier echt verdrietig over.", {"channel": "email"}),
    # This morning the manager finds it, names it and gives it to Anna.
    ("at", 0.1), ("subject", "Festivalkaart van overleden vader overzetten"),
    ("team", "Support"), ("assign", "anna"), ("tags", ["festival", "ticket-transfer", "refund"]),
    ("note", MANAGER, "Lotte heeft ons 7 keer benaderd op 3 kanalen. Anna, bel haar vandaag "
     "terug; naamswijziging van de kaart is akkoord."),
])  # fmt: skip
TICKETS = [
    FESTIVAL,
    Spec("daan", "email", "Factuur groepsboeking", "piotr", "Support", ["invoice", "b2b"], [
        ("in", 6, "Hallo, voor onze groepsboeking (bestelling 51877, 12 kaarten) hebben we een "
         "factuur op naam van Festival Friends BV nodig, btw-nummer NL859123456B01."),
        ("out", "piotr", "Hoi Daan, de factuur staat klaar. Klopt Keizersgracht 12, Amsterdam?"),
        ("in", 5, "Bijna: het is Keizersgracht 112. Verder klopt alles, dank!"),
    ]),
    Spec("sanne", "email", "Dubbel afgeschreven", "anna", "Support", ["refund", "payment"], [
        ("in", 12, "Mijn creditcard is twee keer belast voor bestelling 50321 (2 x € 89,00)."),
        ("out", "anna", "Dag Sanne, excuses! We hebben € 89,00 teruggestort, binnen 5 werkdagen."),
        ("in", 9, "Het bedrag staat erop. Dank jullie wel!"),
        ("status", "solved"),
    ]),
    Spec("jeroen", "whatsapp", "", "sam", "Social", ["delivery"], [
        ("in", 0.6, "Hoi, mijn pakket zou gisteren komen, maar track & trace staat 3 dagen stil."),
        ("out", "sam", "Hoi Jeroen, vervelend! Wat is je bestelnummer? Dan bel ik PostNL."),
        ("status", "pending"),
    ]),
    Spec("emma", "instagram", "", "sam", "Social", ["damaged", "return"], [
        ("in", 0.9, "Hoi! Mijn campingstoel kwam kapot aan, de poot is gebroken 😢"),
        ("in", 0.8, "Hier is de foto. Kan ik een nieuwe krijgen?"),
        ("out", "sam", "Wat balen, Emma! We hebben een schadeclaim bij de vervoerder ingediend; "
         "na hun akkoord sturen we een nieuwe stoel."),
        ("note", "sam", "Claim DHL 88213-NL ingediend, antwoord binnen 3 werkdagen."),
        ("status", "on_hold"),
    ]),
    Spec("kasia", "email", "Etykieta zwrotna", "piotr", "Returns", ["return"], [
        ("in", 30, "Dzień dobry, chciałabym zwrócić kurtkę przeciwdeszczową (zamówienie 49002). "
         "Proszę o etykietę zwrotną."),
        ("out", "piotr", "Dzień dobry Pani Katarzyno, etykieta zwrotna jest w załączniku."),
        ("in", 29, "Dziękuję, paczka została wysłana."),
        ("out", "piotr", "Paczka dotarła, zwrot 249,00 zł został zlecony. Pozdrawiam!"),
        ("status", "solved"), ("status", "closed"),
    ]),
    Spec("tomasz", "facebook", "", "piotr", "Returns", ["exchange"], [
        ("in", 0.9, "Cześć, zamówiłem bluzę w rozmiarze M, a przyszła S. Jak mogę ją wymienić?"),
        ("out", "piotr", "Cześć Tomasz, przepraszamy! Wyślemy M, a S odeślij w tej paczce."),
        ("in", 0.4, "Super, a kiedy przyjedzie kurier po paczkę?"),
    ]),
    Spec("aga", "chat", "", "anna", "Support", ["discount"], [
        ("in", 8, "Dzień dobry, kod rabatowy LATO20 nie działa w koszyku."),
        ("out", "anna", "Dzień dobry! Kod działa od 200 zł; dodałam wyjątek, proszę spróbować."),
        ("in", 8, "Działa, dziękuję!"),
        ("status", "solved"),
    ]),
    Spec("michal", "x", "", "sam", "Social", ["delivery", "complaint"], [
        ("in", 1, "@helpdesk trzeci dzień czekam na paczkę, ciągle 'w przygotowaniu'. Serio?"),
        ("out", "sam", "Przykro nam, Michał! Podaj w DM numer zamówienia, sprawdzimy od razu."),
        ("priority", 3), ("status", "pending"),
    ]),
    Spec("magda", "web", "Faktura VAT do zamówienia 51230", None, "Support", ["invoice"], [
        ("in", 0.2, "Dzień dobry, proszę o fakturę VAT na firmę (NIP 5252248481)."),
    ]),
    Spec("oliver", "phone", "", "sam", "Support", ["order", "address-change"], [
        ("in", 9, "Asked whether order 50877 can go to his office instead of his home.",
         {"call_answered": True, "call_duration_seconds": 240}),
        ("call", "sam", 95, "Called back: address changed to the office, delivery on Thursday."),
        ("status", "solved"),
    ]),
    Spec("charlotte", "x", "", "sam", "Social", ["order-status"], [
        ("in", 2, "@helpdesk hi, I ordered the camping bundle (51544). When does it ship?"),
        ("out", "sam", "Hi Charlotte! It left our warehouse this morning; tracking is on its way."),
        ("in", 1, "Thanks! The tracking link still says 'label created' though."),
    ]),
    Spec("james", "chat", "", "anna", "Support", ["payment"], [
        ("in", 20, "Hi, my iDEAL payment failed but the money left my account?"),
        ("out", "anna", "Hi James, the bank reverses it within 2 working days; just pay again."),
        ("in", 20, "Paid again and got the confirmation. Cheers!"),
        ("status", "solved"), ("status", "closed"),
    ]),
    # Same chat conversation as the closed ticket above: opens a linked follow-up.
    Spec("james", "chat", "", None, "Support", ["payment"], [
        ("in", 0.5, "Hi again! The first payment still hasn't come back to my account."),
    ]),
    Spec("sophie", "instagram", "", None, "Social", ["shipping"], [
        ("in", 0.1, "Hi! Do you ship to the UK, and are returns free from there?"),
        ("priority", 1),
    ]),
    Spec("ruben", "web", "Retour: tent past niet in de auto", "anna", "Returns", ["return"], [
        ("in", 7, "Ik wil de tent (bestelling 50990) ongebruikt retourneren. Hoe gaat dat?"),
        ("out", "anna", "Hoi Ruben, retourneren kan gratis via het retourportaal. Na controle "
         "door het magazijn storten we het bedrag terug.", {"channel": "email"}),
        ("note", "anna", "Tent is binnen; wacht op akkoord van het magazijn."),
        ("status", "on_hold"),
    ]),
]  # fmt: skip

# The desk's macros (title, body, status to set, tags to add), so an agent finds prepared
# answers on the first run; the first one is what Anna answers the festival story with.
MACROS = [
    ("Kaart op een andere naam zetten",
     "Beste {first_name|klant},\n\nWe zetten de kaart kosteloos op de nieuwe naam; de nieuwe "
     "kaart komt binnen twee werkdagen per e-mail en de oude is dan niet meer geldig.\n\n"
     "Je ticketnummer is #{ticket_number}: noem het gerust als je ons belt of mailt.\n\n"
     "Met vriendelijke groet,\n{agent_name}", "", ["ticket-transfer"]),
    ("We zoeken het uit",
     "Beste {first_name|klant},\n\nDank je voor je bericht. We zoeken het voor je uit; je "
     "hoort uiterlijk {answer_by} van ons.\n\nMet vriendelijke groet,\n{agent_name}", "", []),
    ("Refund on its way",
     "Hi {first_name|there},\n\nWe have refunded your order: the money is back in your "
     "account within 5 working days. Your ticket number is #{ticket_number}.\n\n"
     "Best wishes,\n{agent_name}", "solved", ["refund"]),
    ("Zwrot pieniędzy zlecony",
     "Dzień dobry,\n\nzwrot za zamówienie został zlecony; pieniądze wrócą na konto w ciągu "
     "5 dni roboczych. Numer zgłoszenia: #{ticket_number}.\n\nPozdrawiam,\n{agent_name}",
     "solved", ["refund"]),
]  # fmt: skip
