# ruff: noqa: RUF001  (en dashes in time and day ranges are the right typography)
"""The demo help centre's text: what a festival ticket and merchandise shop's support team
answers most, in English, Dutch ("u") and Polish. Data only; `seed_help_centre` writes it."""

from __future__ import annotations

from dataclasses import dataclass

# slug: {language: (name, description)}
CATEGORIES: dict[str, dict[str, tuple[str, str]]] = {
    "contact": {
        "en": ("Contact and opening hours", "When we are there and how to reach us."),
        "nl": ("Contact en openingstijden", "Wanneer we er zijn en hoe u ons bereikt."),
        "pl": ("Kontakt i godziny pracy", "Kiedy jesteśmy dostępni i jak się z nami skontaktować."),
    },
    "orders": {
        "en": ("Orders and delivery", "Tickets, merchandise and where your parcel is."),
        "nl": ("Bestellingen en bezorging", "Tickets, merchandise en waar uw pakket is."),
        "pl": ("Zamówienia i dostawa", "Bilety, gadżety i gdzie jest Twoja paczka."),
    },
    "returns": {
        "en": ("Returns and damage", "Sending something back, exchanges and broken items."),
        "nl": ("Retour en schade", "Iets terugsturen, ruilen en kapotte artikelen."),
        "pl": ("Zwroty i uszkodzenia", "Odesłanie towaru, wymiana i uszkodzone produkty."),
    },
    "privacy": {
        "en": ("Privacy and your data", "What we keep about you and how to get it or erase it."),
        "nl": ("Privacy en uw gegevens", "Wat we van u bewaren en hoe u het opvraagt of wist."),
        "pl": ("Prywatność i Twoje dane", "Co o Tobie przechowujemy i jak je pobrać lub usunąć."),
    },
}


@dataclass(frozen=True)
class SeedArticle:
    slug: str
    category: str
    texts: dict[str, tuple[str, str]]  # language: (title, Markdown body)
    signed_in_only: bool = False


OPENING_HOURS = SeedArticle(
    "opening-hours",
    "contact",
    {
        "en": (
            "When are you open?",
            """Our support team is there **Monday to Friday, 09:00–17:00** (Amsterdam time).

- **Chat and phone**: during opening hours only.
- **Email, WhatsApp and the form on this site**: any time. We answer in opening hours,
  oldest question first.
- On festival weekends the info tent on the grounds is open from the gates opening until
  one hour after the last act.

Writing outside opening hours? Your request is safe with us and you will see on
*My requests* by when we will answer.""",
        ),
        "nl": (
            "Wanneer zijn jullie bereikbaar?",
            """Ons supportteam is er **maandag tot en met vrijdag, 09:00–17:00** (Nederlandse tijd).

- **Chat en telefoon**: alleen tijdens openingstijden.
- **E-mail, WhatsApp en het formulier op deze site**: altijd. We antwoorden tijdens
  openingstijden, oudste vraag eerst.
- Op festivalweekenden is de infotent op het terrein open vanaf het openen van de poorten
  tot een uur na de laatste act.

Schrijft u buiten openingstijden? Uw vraag is veilig bij ons en op *Mijn aanvragen* ziet
u wanneer wij uiterlijk antwoorden.""",
        ),
        "pl": (
            "Kiedy jesteście dostępni?",
            """Nasz zespół obsługi klienta pracuje **od poniedziałku do piątku, 09:00–17:00**
(czasu amsterdamskiego).

- **Czat i telefon**: tylko w godzinach pracy.
- **E-mail, WhatsApp i formularz na tej stronie**: zawsze. Odpowiadamy w godzinach pracy,
  od najstarszych pytań.
- W festiwalowe weekendy namiot informacyjny na terenie festiwalu jest otwarty od
  otwarcia bram do godziny po ostatnim koncercie.

Piszesz poza godzinami pracy? Twoje zgłoszenie jest bezpieczne, a w zakładce *Moje
zgłoszenia* zobaczysz, do kiedy odpowiemy.""",
        ),
    },
)

RETURNS = SeedArticle(
    "returns-and-exchanges",
    "returns",
    {
        "en": (
            "Returns and exchanges",
            """You can return or exchange **merchandise** within **14 days** of receiving it,
unworn and with its labels on.

1. Send us a request with your order number and what you want: your money back or
   another size.
2. We email you a free return label within one working day.
3. Pack the item, stick on the label and drop it at any PostNL point.

Your refund reaches your account within 5 working days after we receive the parcel.

**Tickets** cannot be returned, but you can hand yours to a friend: change the name on
the ticket in your account up to 48 hours before the festival, free of charge.""",
        ),
        "nl": (
            "Retourneren en ruilen",
            """U kunt **merchandise** binnen **14 dagen** na ontvangst retourneren of ruilen,
ongedragen en met de labels er nog aan.

1. Stuur ons een aanvraag met uw ordernummer en wat u wilt: uw geld terug of een andere
   maat.
2. U krijgt binnen één werkdag een gratis retourlabel per e-mail.
3. Verpak het artikel, plak het label erop en lever het in bij een PostNL-punt.

Het geld staat binnen 5 werkdagen nadat wij het pakket hebben ontvangen op uw rekening.

**Tickets** kunt u niet retourneren, maar u kunt uw ticket aan iemand anders geven: wijzig
de naam op het ticket in uw account, gratis, tot 48 uur voor het festival.""",
        ),
        "pl": (
            "Zwroty i wymiany",
            """**Gadżety** możesz zwrócić lub wymienić w ciągu **14 dni** od otrzymania,
nienoszone i z metkami.

1. Wyślij nam zgłoszenie z numerem zamówienia i napisz, czego chcesz: zwrotu pieniędzy
   czy innego rozmiaru.
2. W ciągu jednego dnia roboczego wyślemy Ci e-mailem bezpłatną etykietę zwrotną.
3. Zapakuj produkt, naklej etykietę i nadaj paczkę w dowolnym punkcie PostNL.

Pieniądze wrócą na Twoje konto w ciągu 5 dni roboczych od otrzymania przez nas paczki.

**Biletów** nie można zwrócić, ale możesz przekazać bilet znajomemu: zmień nazwisko na
bilecie w swoim koncie, bezpłatnie, do 48 godzin przed festiwalem.""",
        ),
    },
)

TRACKING = SeedArticle(
    "order-tracking",
    "orders",
    {
        "en": (
            "Where is my order?",
            """**E-tickets** arrive by email within 15 minutes of paying. Nothing there? Look
in your spam folder, then send us a request: we resend them straight away.

**Merchandise** leaves our warehouse within 2 working days. As soon as it does, you get
an email with a PostNL track-and-trace link. Delivery in the Netherlands takes 1–2
working days, to the rest of Europe 3–6.

No track-and-trace email after 3 working days? Send us a request with your order number
and we will find out where your parcel is.""",
        ),
        "nl": (
            "Waar is mijn bestelling?",
            """**E-tickets** komen binnen 15 minuten na betaling per e-mail. Niets ontvangen?
Kijk in uw spammap en stuur ons anders een aanvraag: we sturen ze direct opnieuw.

**Merchandise** verlaat ons magazijn binnen 2 werkdagen. Zodra het pakket onderweg is,
krijgt u een e-mail met een track-and-trace-link van PostNL. Bezorging in Nederland duurt
1–2 werkdagen, naar de rest van Europa 3–6.

Na 3 werkdagen nog geen track-and-trace ontvangen? Stuur ons een aanvraag met uw
ordernummer en we zoeken uit waar uw pakket is.""",
        ),
        "pl": (
            "Gdzie jest moje zamówienie?",
            """**E-bilety** przychodzą e-mailem w ciągu 15 minut od zapłaty. Nic nie dotarło?
Sprawdź folder spam, a potem wyślij nam zgłoszenie: od razu wyślemy je ponownie.

**Gadżety** wysyłamy z magazynu w ciągu 2 dni roboczych. Gdy paczka wyruszy, dostaniesz
e-mail z linkiem do śledzenia przesyłki PostNL. Dostawa w Holandii trwa 1–2 dni robocze,
do reszty Europy 3–6.

Po 3 dniach roboczych nadal brak linku do śledzenia? Wyślij nam zgłoszenie z numerem
zamówienia, a sprawdzimy, gdzie jest Twoja paczka.""",
        ),
    },
)

DAMAGED = SeedArticle(
    "damaged-product",
    "returns",
    {
        "en": (
            "My order arrived damaged",
            """Sorry about that. Send us a request **within 14 days** with:

- your order number,
- a photo of the damaged item and one of the box.

We send you a replacement at no cost, usually the same working day, or refund you if the
item is sold out. You do not need to send the damaged item back unless we ask.""",
        ),
        "nl": (
            "Mijn bestelling is beschadigd aangekomen",
            """Vervelend! Stuur ons **binnen 14 dagen** een aanvraag met:

- uw ordernummer,
- een foto van het beschadigde artikel en een van de doos.

We sturen u kosteloos een nieuw exemplaar, meestal dezelfde werkdag, of betalen u terug
als het artikel is uitverkocht. U hoeft het kapotte artikel niet terug te sturen, tenzij
we daarom vragen.""",
        ),
        "pl": (
            "Moje zamówienie dotarło uszkodzone",
            """Przykro nam. Wyślij nam zgłoszenie **w ciągu 14 dni**, a w nim:

- numer zamówienia,
- zdjęcie uszkodzonego produktu i zdjęcie kartonu.

Bezpłatnie wyślemy nowy egzemplarz, zwykle tego samego dnia roboczego, albo zwrócimy
pieniądze, jeśli produkt jest wyprzedany. Uszkodzonego produktu nie musisz odsyłać,
chyba że o to poprosimy.""",
        ),
    },
)

PRIVACY = SeedArticle(
    "privacy-your-data",
    "privacy",
    {
        "en": (
            "What we store about you, and how to download or erase it",
            """We keep only what we need to help you:

- your name, email address and phone number,
- your requests and our replies, with their attachments,
- your answers to our short surveys.

We use them to answer you and to see how well we do. We never sell them.

On [your privacy page](/support/privacy/) you can see how long we keep each of them,
**download** everything we have about you as one file, or ask us to **erase** it. Once
erasure is approved, your name, contact details, messages and attachments are removed for
good.""",
        ),
        "nl": (
            "Welke gegevens we bewaren en hoe u ze downloadt of wist",
            """We bewaren alleen wat we nodig hebben om u te helpen:

- uw naam, e-mailadres en telefoonnummer,
- uw aanvragen en onze antwoorden, met de bijlagen,
- uw antwoorden op onze korte enquêtes.

We gebruiken ze om u te antwoorden en om te zien hoe goed we het doen. We verkopen ze
nooit.

Op [uw privacypagina](/support/privacy/) ziet u hoe lang we alles bewaren, kunt u alles
wat we van u hebben als één bestand **downloaden**, of ons vragen het te **wissen**. Na
goedkeuring worden uw naam, contactgegevens, berichten en bijlagen definitief verwijderd.""",
        ),
        "pl": (
            "Jakie dane przechowujemy i jak je pobrać lub usunąć",
            """Przechowujemy tylko to, czego potrzebujemy, żeby Ci pomóc:

- imię i nazwisko, adres e-mail i numer telefonu,
- Twoje zgłoszenia i nasze odpowiedzi wraz z załącznikami,
- Twoje odpowiedzi w krótkich ankietach.

Używamy ich, żeby Ci odpowiadać i sprawdzać jakość naszej pracy. Nigdy ich nie
sprzedajemy.

Na [stronie prywatności](/support/privacy/) zobaczysz, jak długo przechowujemy każdą z
tych informacji, możesz **pobrać** wszystko, co o Tobie mamy, w jednym pliku, albo
poprosić o **usunięcie** danych. Po zatwierdzeniu usuwamy na stałe Twoje imię, dane
kontaktowe, wiadomości i załączniki.""",
        ),
    },
)

NAME_CHANGE = SeedArticle(
    "change-ticket-name",
    "orders",
    {
        "en": (
            "Changing the name on your ticket",
            """Can't make it? Give your ticket to a friend:

1. Open the order in your account and choose **Change name**.
2. Fill in your friend's name and email address.
3. They get a new e-ticket; your old one stops working.

Free of charge, up to 48 hours before the festival opens.""",
        ),
        "nl": (
            "De naam op uw ticket wijzigen",
            """Kunt u niet? Geef uw ticket aan een vriend:

1. Open de bestelling in uw account en kies **Naam wijzigen**.
2. Vul de naam en het e-mailadres van uw vriend in.
3. Die krijgt een nieuw e-ticket; uw oude ticket werkt dan niet meer.

Gratis, tot 48 uur voordat het festival opent.""",
        ),
        "pl": (
            "Zmiana nazwiska na bilecie",
            """Nie możesz przyjechać? Przekaż bilet znajomemu:

1. Otwórz zamówienie w swoim koncie i wybierz **Zmień nazwisko**.
2. Wpisz imię, nazwisko i adres e-mail znajomego.
3. Znajomy dostanie nowy e-bilet; Twój stary przestanie działać.

Bezpłatnie, do 48 godzin przed otwarciem festiwalu.""",
        ),
    },
    signed_in_only=True,
)

ARTICLES = [OPENING_HOURS, RETURNS, TRACKING, DAMAGED, PRIVACY, NAME_CHANGE]
