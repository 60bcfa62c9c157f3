"""Seeded, on-demand generators for the sandbox's companies, postings and interviews."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

# Seeded interview status mix (weights); "mostly completed" as on a live account.
SEEDED_STATUS_WEIGHTS = {
    "pending": 8,
    "in_progress": 6,
    "evaluating": 4,
    "knocked_out": 10,
    "completed": 72,
}
INTERVIEW_STEP_TYPES = ("web_interview", "voice_interview")
DAY = 86400


def rng_for(*parts: object) -> random.Random:
    """A random.Random seeded from a stable hash of `parts` (independent of PYTHONHASHSEED)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def short_hash(*parts: object, length: int = 8) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:length]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------- word banks

FIRST_NAMES = [
    "Aisha",
    "Alejandro",
    "Amara",
    "Ana",
    "Arjun",
    "Beatriz",
    "Ben",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Deepa",
    "Diego",
    "Elena",
    "Emeka",
    "Emily",
    "Fatima",
    "Felix",
    "Grace",
    "Hana",
    "Hiroshi",
    "Ibrahim",
    "Isabel",
    "Jamal",
    "James",
    "Jin",
    "Julia",
    "Kofi",
    "Laila",
    "Liam",
    "Lucia",
    "Mai",
    "Marcus",
    "Maria",
    "Mateo",
    "Mei",
    "Mohammed",
    "Nadia",
    "Naveen",
    "Nia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Rosa",
    "Sakura",
    "Samuel",
    "Sara",
    "Sofia",
    "Tariq",
    "Thomas",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zoe",
    "Kwame",
]
LAST_NAMES = [
    "Abebe",
    "Adeyemi",
    "Ahmed",
    "Alvarez",
    "Andersen",
    "Bakker",
    "Banerjee",
    "Bianchi",
    "Brown",
    "Castillo",
    "Chen",
    "Cohen",
    "Costa",
    "Da Silva",
    "Dubois",
    "Eriksson",
    "Fernandez",
    "Fischer",
    "Garcia",
    "Gupta",
    "Haddad",
    "Hansen",
    "Hernandez",
    "Ito",
    "Ivanova",
    "Jackson",
    "Jensen",
    "Johnson",
    "Kim",
    "Kowalski",
    "Kumar",
    "Lee",
    "Lopez",
    "Martin",
    "Mensah",
    "Moreau",
    "Müller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Obi",
    "O'Brien",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Perez",
    "Rossi",
    "Santos",
    "Schmidt",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Thompson",
    "Wang",
    "Williams",
    "Yilmaz",
    "Zhang",
]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "inbox.example"]
PREVIOUS_EMPLOYERS = [
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Hooli",
    "Vandelay Industries",
    "Acme Corp",
    "Soylent Foods",
    "Wayne Enterprises",
    "Cyberdyne Systems",
    "Tyrell Retail",
    "Oceanic Airlines",
    "Wonka Industries",
    "Gringotts Bank",
    "Monarch Insurance",
]
COMPANY_ADJECTIVES = [
    "Northwind",
    "Bluefin",
    "Brightpath",
    "Cedar",
    "Evergreen",
    "Lumen",
    "Harbor",
    "Summit",
    "Orchard",
    "Silverline",
    "Keystone",
    "Riverbend",
    "Tidewater",
    "Aurora",
    "Granite",
]
COMPANY_NOUNS = [
    "Robotics",
    "Health",
    "Logistics",
    "Analytics",
    "Foods",
    "Energy",
    "Bank",
    "Labs",
    "Retail",
    "Mobility",
    "Insurance",
    "Software",
    "Hospitality",
    "Care",
    "Manufacturing",
]
INTERVIEWER_NAMES = ["Milo", "Alex Johnson", "Sam Rivera", "Jordan Lee", "Taylor Morgan", "Riley"]
LANGUAGES = ["en"] * 8 + ["es", "fr", "de"]
SENIORITY = ["", "", "Senior ", "Junior ", "Lead ", "Staff "]

# Each family: titles, skills, role questions (question, criteria), contexts of work, wins.
FAMILIES: dict[str, dict[str, list[Any]]] = {
    "engineering": {
        "titles": [
            "Backend Engineer",
            "Frontend Developer",
            "Full-Stack Engineer",
            "DevOps Engineer",
            "Mobile Engineer",
            "QA Automation Engineer",
        ],
        "skills": [
            "Python",
            "Django",
            "PostgreSQL",
            "React",
            "TypeScript",
            "AWS",
            "Docker",
            "Kubernetes",
            "REST APIs",
            "CI/CD",
            "Go",
            "Redis",
        ],
        "questions": [
            (
                "Tell me about a system you designed end to end. What trade-offs did you make?",
                "System design",
            ),
            ("How do you approach debugging a production incident?", "Incident response"),
            ("How do you keep code quality high on a team?", "Code quality"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How would you scale a service that suddenly gets ten times the traffic?", "Scalability"),
            ("Walk me through a time you disagreed with a technical decision.", "Collaboration"),
        ],
        "contexts": [
            "payments service",
            "internal analytics platform",
            "mobile checkout flow",
            "search API",
            "data ingestion pipeline",
            "customer-facing dashboard",
        ],
        "wins": [
            "cut p95 latency by 40 percent",
            "moved deploys from weekly to daily",
            "reduced cloud spend by about a quarter",
            "took test coverage from 50 to 85 percent",
            "removed a whole class of on-call pages",
        ],
    },
    "data": {
        "titles": ["Data Analyst", "Data Scientist", "Machine Learning Engineer", "Analytics Engineer"],
        "skills": [
            "SQL",
            "Python",
            "dbt",
            "Tableau",
            "statistics",
            "A/B testing",
            "Spark",
            "forecasting",
            "Looker",
            "pandas",
        ],
        "questions": [
            ("Describe an analysis that changed a business decision.", "Business impact"),
            ("How do you validate that a metric is trustworthy?", "Data quality"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How would you design an A/B test for a new onboarding flow?", "Experiment design"),
            (
                "How do you explain a technical result to a non-technical audience?",
                "Communication of insights",
            ),
        ],
        "contexts": [
            "churn model",
            "weekly revenue dashboard",
            "pricing experiment",
            "demand forecast",
            "marketing attribution project",
        ],
        "wins": [
            "improved forecast accuracy by 12 points",
            "saved the team ten hours a week",
            "found a pricing bug worth six figures",
            "cut dashboard load time in half",
        ],
    },
    "product": {
        "titles": ["Product Manager", "Product Designer", "UX Researcher", "Product Owner"],
        "skills": [
            "roadmapping",
            "user research",
            "Figma",
            "prioritisation",
            "analytics",
            "stakeholder management",
            "prototyping",
            "discovery",
        ],
        "questions": [
            ("How do you decide what goes on the roadmap and what does not?", "Prioritisation"),
            ("Tell me about a product you launched. How did you measure success?", "Product delivery"),
            ("Describe a time user research changed your mind.", "Customer empathy"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            (
                "How do you handle a stakeholder who insists on a feature you disagree with?",
                "Stakeholder management",
            ),
        ],
        "contexts": [
            "self-serve onboarding",
            "mobile app redesign",
            "billing settings page",
            "team collaboration feature",
            "enterprise admin console",
        ],
        "wins": [
            "lifted activation by 18 percent",
            "cut support tickets on billing by a third",
            "shipped the MVP in six weeks",
            "raised NPS by eleven points",
        ],
    },
    "sales": {
        "titles": [
            "Account Executive",
            "Sales Development Representative",
            "Customer Success Manager",
            "Partnerships Manager",
        ],
        "skills": [
            "prospecting",
            "Salesforce",
            "negotiation",
            "discovery calls",
            "pipeline management",
            "renewals",
            "HubSpot",
            "cold outreach",
        ],
        "questions": [
            ("Walk me through how you run a discovery call.", "Discovery"),
            ("Tell me about the hardest deal you closed.", "Closing"),
            ("How do you handle a prospect who says the price is too high?", "Objection handling"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How do you organise your week to hit quota?", "Pipeline discipline"),
        ],
        "contexts": [
            "mid-market territory",
            "enterprise renewal",
            "new logo campaign",
            "partner channel",
            "expansion motion",
        ],
        "wins": [
            "hit 130 percent of quota",
            "grew net revenue retention to 115 percent",
            "booked forty meetings in a quarter",
            "closed our largest deal that year",
        ],
    },
    "support": {
        "titles": [
            "Customer Support Specialist",
            "Technical Support Engineer",
            "Support Team Lead",
            "Customer Service Representative",
        ],
        "skills": [
            "Zendesk",
            "troubleshooting",
            "de-escalation",
            "knowledge base writing",
            "SLAs",
            "ticket triage",
            "live chat",
            "empathy",
        ],
        "questions": [
            ("Tell me about a time you calmed down a frustrated customer.", "De-escalation"),
            ("How do you prioritise a queue with a hundred open tickets?", "Prioritisation"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How do you explain a technical issue to a non-technical customer?", "Clear explanation"),
            ("What do you do when you do not know the answer to a customer's question?", "Ownership"),
        ],
        "contexts": [
            "holiday ticket backlog",
            "billing escalation queue",
            "chat support launch",
            "help center rewrite",
            "enterprise onboarding",
        ],
        "wins": [
            "kept CSAT above 95 percent",
            "cut first response time to under an hour",
            "halved repeat contacts",
            "cleared a two-week backlog in four days",
        ],
    },
    "operations": {
        "titles": [
            "Operations Coordinator",
            "Warehouse Associate",
            "Logistics Planner",
            "Shift Supervisor",
            "Delivery Driver",
        ],
        "skills": [
            "inventory management",
            "forklift certification",
            "scheduling",
            "safety procedures",
            "Excel",
            "route planning",
            "team coordination",
            "SAP",
        ],
        "questions": [
            ("Tell me about a time something went wrong on shift. What did you do?", "Problem solving"),
            ("How do you make sure safety procedures are followed?", "Safety"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How do you handle a sudden change to the schedule?", "Adaptability"),
            ("Are you available for early mornings and weekend shifts?", "Availability"),
        ],
        "contexts": [
            "night shift",
            "peak season rollout",
            "new warehouse layout",
            "last-mile delivery routes",
            "inventory recount",
        ],
        "wins": [
            "cut picking errors by 30 percent",
            "went 400 days without a safety incident",
            "reduced overtime by 15 percent",
            "improved on-time delivery to 98 percent",
        ],
    },
    "healthcare": {
        "titles": [
            "Registered Nurse",
            "Medical Assistant",
            "Patient Care Coordinator",
            "Pharmacy Technician",
        ],
        "skills": [
            "patient care",
            "EHR systems",
            "Epic",
            "medication administration",
            "triage",
            "HIPAA compliance",
            "phlebotomy",
            "care coordination",
        ],
        "questions": [
            ("Tell me about a time you advocated for a patient.", "Patient advocacy"),
            ("How do you stay calm during a very busy shift?", "Composure"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How do you make sure hand-offs between shifts are safe?", "Communication"),
            ("Describe how you handle a disagreement with a colleague about care.", "Teamwork"),
        ],
        "contexts": [
            "emergency department",
            "outpatient clinic",
            "telehealth program",
            "surgical ward",
            "community health outreach",
        ],
        "wins": [
            "reduced patient wait times by 20 minutes",
            "led the move to a new EHR",
            "trained six new staff members",
            "improved discharge documentation scores",
        ],
    },
    "finance": {
        "titles": ["Accountant", "Financial Analyst", "Accounts Payable Specialist", "FP&A Manager"],
        "skills": [
            "Excel",
            "NetSuite",
            "month-end close",
            "financial modelling",
            "GAAP",
            "reconciliations",
            "budgeting",
            "variance analysis",
        ],
        "questions": [
            ("Walk me through how you run a month-end close.", "Close process"),
            ("Tell me about a financial model you built and how it was used.", "Modelling"),
            ("Tell me about your experience with {skill}.", "{skill} experience"),
            ("How do you handle a discrepancy you cannot explain right away?", "Attention to detail"),
            ("How do you present budget variances to department heads?", "Communication"),
        ],
        "contexts": [
            "quarterly forecast",
            "audit preparation",
            "ERP migration",
            "vendor payment process",
            "annual budget cycle",
        ],
        "wins": [
            "shortened the close from ten days to six",
            "passed audit with no findings",
            "automated half of our reconciliations",
            "found 200 thousand in duplicate spend",
        ],
    },
}
GENERIC_QUESTIONS = [
    ("Why are you interested in this role at {company}?", "Motivation"),
    ("Tell me about a time you had to learn something new quickly.", "Learning agility"),
    ("Describe a time you received difficult feedback. What did you do with it?", "Coachability"),
    ("Tell me about a time you worked with a difficult colleague.", "Collaboration"),
    ("What are you most proud of in your career so far?", "Achievements"),
    ("How do you manage competing deadlines?", "Time management"),
    ("Where do you see yourself in the next two or three years?", "Career goals"),
    ("Tell me about a mistake you made and what you learned from it.", "Self-awareness"),
]
STRONG_ANSWERS = [
    "At {employer} I owned the {context}. I used {skill} heavily there, and in the end we {win}.",
    "I have about {years} years with {skill}. The best example is the {context} at {employer}, "
    "where I led the work and we {win}.",
    "My approach is to start from the goal, agree on how we measure it, and then iterate. "
    "On the {context} that meant weekly check-ins, and we {win}.",
    "I really enjoy this kind of problem. At {employer} the {context} was struggling, so I "
    "proposed a plan using {skill}, got buy-in from my manager, and we {win}.",
]
AVERAGE_ANSWERS = [
    "I've worked with {skill} for a couple of years, mostly on the {context}. I was part of the "
    "team that {win}, although I mainly handled the day-to-day pieces.",
    "I try to stay organised and ask for help early. On the {context} at {employer} that "
    "helped us stay on track.",
    "Usually I look at what the team needs first. At {employer} I supported the {context} and "
    "learned a lot about {skill} along the way.",
]
WEAK_ANSWERS = [
    "Honestly, that's an area I'm still growing in. I've used {skill} a little, mostly on my "
    "own projects, not yet at work.",
    "I'm not sure I have a great example. I think I would just try my best and ask my manager.",
    "Um, I would probably look it up and figure it out as I go. I haven't done much of that.",
]
FOLLOW_UPS = [
    (
        "Can you give me a specific example of that?",
        "Sure. The clearest one was the {context}: within {weeks} weeks we {win}.",
    ),
    ("What was the outcome?", "We tracked it against a baseline every week, and in the end we {win}."),
    (
        "What would you do differently next time?",
        "I'd involve the stakeholders earlier and write "
        "the plan down before starting, so everyone agrees on what done means.",
    ),
    (
        "How did you measure success there?",
        "We agreed on one main metric up front. For the "
        "{context} that was the number that mattered, and we {win}.",
    ),
    (
        "What was your part, specifically?",
        "I led the {skill} work myself, and two colleagues handled testing and rollout.",
    ),
]
ACKS = [
    "Thanks, that's helpful.",
    "Great.",
    "Got it.",
    "That makes sense.",
    "Thanks for sharing that.",
    "Okay, interesting.",
]
SYSTEM_LINES = [
    "Candidate's connection was briefly interrupted.",
    "Candidate reconnected.",
    "Recording resumed after a short pause.",
    "Candidate switched audio device.",
]
CANDIDATE_QUESTIONS = [
    "What does success look like in the first ninety days?",
    "How big is the team I would be joining?",
    "What are the next steps in the process?",
    "How would you describe the culture on the team?",
]
COMMUNICATION_REMARKS_GOOD = [
    "Clear and concise communication",
    "Structured answer with a clear example",
    "Confident and professional tone",
    "Good use of metrics to support the point",
]
COMMUNICATION_REMARKS_WEAK = [
    "Answer lacked a concrete example",
    "Some hesitation and filler words",
    "Could be more specific about their own contribution",
]


# --------------------------------------------------------------------------- companies/postings


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str
    slug: str


def make_company(seed: int, api_key: str) -> Company:
    rng = rng_for(seed, api_key, "company")
    name = f"{rng.choice(COMPANY_ADJECTIVES)} {rng.choice(COMPANY_NOUNS)}"
    return Company(
        company_id="comp_" + short_hash(seed, api_key, "company-id", length=12),
        name=name,
        slug=slugify(name),
    )


@dataclass
class PostingPlan:
    """Everything needed to render one posting and to generate its interviews."""

    index: int
    posting_id: str
    url_key: str
    family: str
    title: str
    doc: dict[str, Any]  # the posting document, with "{base}" left in media URLs
    steps: list[dict[str, Any]]  # the agentic_workflow
    interview_type: str  # "web", "voice", "sms" or "resume"
    timestamp_mode: str  # "unix" or "relative" (seconds from the start, floats)
    created_at: float
    interviewer_name: str
    skills: list[str] = field(default_factory=list)

    @property
    def interview_step(self) -> dict[str, Any] | None:
        return next((s for s in self.steps if s["type"] in INTERVIEW_STEP_TYPES), None)

    @property
    def can_knock_out(self) -> bool:
        return any(s["config"].get("knockout_enabled") for s in self.steps)


def _workflow_for(rng: random.Random, index: int, interviewer: str, family: str) -> list[dict[str, Any]]:
    # Posting 0 is always resume + web interview, posting 1 always has a voice step, so even a
    # tiny sandbox covers the main shapes; the rest vary.
    shapes = [
        ("resume", "web_interview"),
        ("resume", "web_interview", "conversational_sms"),
        ("conversational_sms", "voice_interview"),
        ("resume", "voice_interview"),
        ("web_interview",),
        ("resume",),
    ]
    if index == 0:
        shape = shapes[0]
    elif index == 1:
        shape = shapes[2]
    else:
        shape = rng.choices(shapes, weights=[40, 15, 10, 15, 10, 10])[0]
    steps = []
    for kind in shape:
        if kind == "resume":
            config = {
                "instructions": f"Evaluate resumes for relevant {family} experience and skills",
                "knockout_enabled": rng.random() < 0.7,
                "min_evaluation_score": round(rng.uniform(0.5, 0.8), 2),
                "mandatory": rng.random() < 0.8,
            }
            uid = "resume_screen_1"
        elif kind == "web_interview":
            config = {
                "instructions": "Conduct a structured interview; ask for concrete examples",
                "interviewer_name": interviewer,
                "video": rng.random() < 0.6,
                "voice_id": f"voice-{rng.randint(1, 6)}",
                "web_interview_config": {
                    "backdrop_image_url": "{base}/_sandbox/media/backdrop.svg",
                    "avatar_image_url": "{base}/_sandbox/media/avatar.svg",
                    "show_transcript": rng.random() < 0.8,
                    "vapi_call_config": {
                        "end_call_message": "Thank you for your time. The interview is now complete.",
                        "idle_message_max_spoken_count": 3,
                        "idle_timeout_seconds": rng.choice([8, 10, 15]),
                        "wait_seconds": rng.choice([1.5, 2.0, 2.4]),
                        "backoff_seconds": 2,
                    },
                },
            }
            uid = "web_interview_1"
        elif kind == "voice_interview":
            config = {
                "instructions": "Phone screen: confirm experience, availability and motivation",
                "interviewer_name": interviewer,
                "voice_id": f"voice-{rng.randint(1, 6)}",
                "max_duration_minutes": rng.choice([15, 20, 30]),
                "retry_attempts": rng.choice([1, 2, 3]),
            }
            uid = "voice_interview_1"
        else:
            config = {
                "instructions": "Ask preliminary questions about availability and salary expectations",
                "knockout_enabled": rng.random() < 0.6,
                "max_follow_ups": rng.choice([1, 2, 3]),
            }
            uid = "sms_screen_1"
        steps.append({"type": kind, "unique_id": uid, "config": config})
    return steps


def _unique(make: Callable[[int], str], taken: set[str]) -> str:
    """make(0), or else make(1), make(2)... until a value is not taken yet."""
    attempt = 0
    value = make(0)
    while value in taken:
        attempt += 1
        value = make(attempt)
    taken.add(value)
    return value


def _posting_id(seed: int, api_key: str, index: int, attempt: int) -> str:
    salt = (attempt,) if attempt else ()
    return short_hash(seed, api_key, "posting-id", index, *salt).upper()


def _url_key(seed: int, api_key: str, index: int, title: str, attempt: int) -> str:
    salt = (attempt,) if attempt else ()
    return f"{slugify(title)}-{short_hash(seed, api_key, 'url', index, *salt, length=6)}"


def make_postings(seed: int, api_key: str, count: int, anchor: float) -> list[PostingPlan]:
    """All postings of one key's company, deterministic from (seed, key, index, anchor)."""
    company = make_company(seed, api_key)
    plans: list[PostingPlan] = []
    ids: set[str] = set()
    url_keys: set[str] = set()
    for index in range(count):
        rng = rng_for(seed, api_key, "posting", index)
        family = rng.choice(sorted(FAMILIES))
        bank = FAMILIES[family]
        title = (rng.choice(SENIORITY) + rng.choice(bank["titles"])).strip()
        posting_id = _unique(partial(_posting_id, seed, api_key, index), ids)
        url_key = _unique(partial(_url_key, seed, api_key, index, title), url_keys)
        interviewer = rng.choice(INTERVIEWER_NAMES)
        steps = _workflow_for(rng, index, interviewer, family)
        kinds = [s["type"] for s in steps]
        if "web_interview" in kinds:
            interview_type = "web"
        elif "voice_interview" in kinds:
            interview_type = "voice"
        elif "conversational_sms" in kinds:
            interview_type = "sms"
        else:
            interview_type = "resume"
        created_at = float(int(anchor - rng.uniform(3, 200) * DAY))
        last_updated = float(int(created_at + rng.uniform(0, anchor - created_at)))
        # Deadlines: some past, some within 7 days (the UI warns), some far, some none.
        bucket = rng.choices(["past", "soon", "far", "none"], weights=[25, 20, 40, 15])[0]
        deadline = {
            "past": anchor - rng.uniform(1, 60) * DAY,
            "soon": anchor + rng.uniform(0.5, 6.5) * DAY,
            "far": anchor + rng.uniform(14, 150) * DAY,
            "none": None,
        }[bucket]
        archived = rng.random() < (0.5 if bucket == "past" else 0.04)
        skills = rng.sample(bank["skills"], 4)
        root = {
            "instructions": f"Be warm and professional. Keep the conversation focused on the "
            f"{title} role and ask for concrete examples.",
            "company_overview": f"{company.name} is a growing company in the "
            f"{rng.choice(COMPANY_NOUNS).lower()} space with teams across three time zones.",
            "job_overview": f"As a {title} you will work on day-to-day {family} challenges using "
            f"{', '.join(skills[:3])}.",
            "interview_process_overview": "Resume review, a structured AI interview, then a "
            "conversation with the hiring manager.",
            "language": rng.choice(LANGUAGES),
            "interviewer_name": interviewer,
        }
        # The optional fields are really optional: drop some.
        for optional in (
            "company_overview",
            "job_overview",
            "interview_process_overview",
            "interviewer_name",
        ):
            if rng.random() < 0.2:
                del root[optional]
        description = (
            f"{company.name} is hiring a {title}. You will join a friendly team and own work on "
            f"our {rng.choice(bank['contexts'])}. We are looking for someone with experience in "
            f"{skills[0]} and {skills[1]}, who enjoys {skills[2]} and wants to grow in "
            f"{skills[3]}. This role is {rng.choice(['remote', 'hybrid', 'on-site'])}."
        )
        doc = {
            "posting_id": posting_id,
            "title": title,
            "name": slugify(title),
            "description": description,
            "company_id": company.company_id,
            "created_at": created_at,
            "last_updated": last_updated,
            "archived": archived,
            "deadline": float(int(deadline)) if deadline is not None else None,
            "finalized": rng.random() < 0.9,
            "phone_number_id": "pn_" + short_hash(seed, api_key, "pn", index, length=10),
            "root_level_configs": root,
            "agentic_workflow": steps,
            "url_key": url_key,
        }
        plans.append(
            PostingPlan(
                index=index,
                posting_id=posting_id,
                url_key=url_key,
                family=family,
                title=title,
                doc=doc,
                steps=steps,
                interview_type=interview_type,
                timestamp_mode="relative" if rng.random() < 0.2 else "unix",
                created_at=created_at,
                interviewer_name=interviewer,
                skills=skills,
            )
        )
    return plans


def render_links(value: Any, base_url: str) -> Any:
    """Replace the "{base}" placeholder in every string of a JSON-like value."""
    if isinstance(value, str):
        return value.replace("{base}", base_url)
    if isinstance(value, dict):
        return {k: render_links(v, base_url) for k, v in value.items()}
    if isinstance(value, list):
        return [render_links(v, base_url) for v in value]
    return value


# --------------------------------------------------------------------------- candidates


def seeded_interview_id(seed: int, api_key: str, posting_id: str, index: int) -> str:
    """24 hex chars: posting id, index, then a check so made-up ids do not resolve."""
    check = short_hash(seed, api_key, posting_id, index, "check", length=10)
    return f"{posting_id.lower()}{index:06x}{check}"


def parse_seeded_interview_id(interview_id: str) -> tuple[str, int] | None:
    if not re.fullmatch(r"[0-9a-f]{24}", interview_id):
        return None
    return interview_id[:8].upper(), int(interview_id[8:14], 16)


def make_candidate(rng: random.Random, uid: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local_first = slugify(first).replace("-", "")
    local_last = slugify(last.replace("ü", "ue")).replace("-", "")
    local = rng.choice(
        [
            f"{local_first}.{local_last}",
            f"{local_first}{local_last}",
            f"{local_first[0]}.{local_last}",
            f"{local_first}.{local_last}{rng.randint(1, 99)}",
            f"{local_last}.{local_first}",
        ]
    )
    # Phone numbers in fictional/reserved ranges, E.164.
    phone = rng.choice(
        [
            f"+1206555{rng.randint(100, 199):04d}",
            f"+1415555{rng.randint(100, 199):04d}",
            f"+447700900{rng.randint(0, 999):03d}",
            f"+61491570{rng.randint(100, 159):03d}",
        ]
    )
    return {
        "candidate_id": "cand_" + short_hash(uid, "cand", length=12),
        "name": f"{first} {last}",
        "email": f"{local}@{rng.choice(EMAIL_DOMAINS)}",
        "phone_number": phone if rng.random() < 0.9 else None,
    }


def seeded_candidate(seed: int, api_key: str, plan: PostingPlan, index: int) -> dict[str, Any]:
    uid = f"{seed}|{api_key}|{plan.posting_id}|{index}"
    return make_candidate(rng_for(uid, "who"), uid)


# --------------------------------------------------------------------------- interviews


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _fill(
    template: str, rng: random.Random, plan: PostingPlan, company: str, employer: str, skill: str
) -> str:
    bank = FAMILIES[plan.family]
    return template.format(
        skill=skill,
        employer=employer,
        company=company,
        context=rng.choice(bank["contexts"]),
        win=rng.choice(bank["wins"]),
        years=rng.randint(2, 9),
        weeks=rng.randint(3, 12),
    )


@dataclass
class Transcript:
    turns: list[dict[str, Any]]
    blocks: list[tuple[int, int, str, str]]  # (question turn index, end index, question, criteria)
    duration: float


def make_transcript(
    uid: str,
    plan: PostingPlan,
    company: str,
    candidate: dict[str, Any],
    quality: float,
    started_at: float,
    min_turns: int = 20,
    max_turns: int = 80,
) -> Transcript:
    """A whole interview conversation; `quality` (0..1) decides how strong the answers are."""
    rng = rng_for(uid, "transcript")
    bank = FAMILIES[plan.family]
    employer = rng.choice(PREVIOUS_EMPLOYERS)
    first = candidate["name"].split()[0]
    target = rng.randint(min_turns, max_turns) - 4  # leave room for the closing turns
    omit_str = rng.random() < 0.1
    step = plan.interview_step or {}
    end_message = (
        step.get("config", {})
        .get("web_interview_config", {})
        .get("vapi_call_config", {})
        .get("end_call_message", "Thank you for your time. That's all for today.")
    )
    raw: list[tuple[str, str]] = []  # (speaker, text)
    blocks: list[tuple[int, int, str, str]] = []
    if rng.random() < 0.3:
        raw.append(("System", "Candidate joined the call."))
    raw.append(
        (
            "interviewer",
            f"Hi {first}, I'm {plan.interviewer_name}. Thanks for joining this "
            f"interview for the {plan.title} role at {company}. Could you start by "
            f"introducing yourself?",
        )
    )
    raw.append(
        (
            "candidate",
            f"Hi, I'm {candidate['name']}. I've spent the last "
            f"{rng.randint(2, 12)} years working in {plan.family}, most recently at "
            f"{employer}, where I focused on {rng.choice(plan.skills)}.",
        )
    )
    role_skills = rng.sample(plan.skills * 2, len(bank["questions"]))
    questions = [
        (q.replace("{skill}", s), c.replace("{skill}", s))
        for (q, c), s in zip(bank["questions"], role_skills, strict=True)
    ]
    questions += [(q.replace("{company}", company), c) for q, c in GENERIC_QUESTIONS]
    rng.shuffle(questions)
    asked = 0
    while len(raw) < target:
        question, criteria = questions[asked % len(questions)]
        asked += 1
        prefix = rng.choice(ACKS) + " " if asked > 1 and rng.random() < 0.6 else ""
        q_index = len(raw)
        raw.append(("interviewer", prefix + question))
        skill = rng.choice(plan.skills)
        roll = rng.random() + (quality - 0.5)
        answers = STRONG_ANSWERS if roll > 0.75 else AVERAGE_ANSWERS if roll > 0.3 else WEAK_ANSWERS
        raw.append(("candidate", _fill(rng.choice(answers), rng, plan, company, employer, skill)))
        for follow_q, follow_a in rng.sample(FOLLOW_UPS, rng.choice([0, 0, 1, 1, 2])):
            if len(raw) >= target:
                break
            raw.append(("interviewer", follow_q))
            raw.append(("candidate", _fill(follow_a, rng, plan, company, employer, skill)))
        blocks.append((q_index, len(raw), question, criteria))
        if rng.random() < 0.05:
            raw.append(("System", rng.choice(SYSTEM_LINES)))
    raw.append(("interviewer", "That's all my questions. Do you have any questions for me?"))
    raw.append(("candidate", rng.choice(CANDIDATE_QUESTIONS)))
    raw.append(
        (
            "interviewer",
            "Great question. The hiring team will review your interview and "
            "follow up with next steps within a few days.",
        )
    )
    raw.append(("interviewer", end_message))

    turns = []
    offset = 0.0
    for speaker, text in raw:
        turn: dict[str, Any] = {"speaker": speaker, "text": text}
        if plan.timestamp_mode == "relative":
            turn["timestamp"] = round(offset, 1)
        else:
            turn["timestamp"] = int(started_at + offset)
        if not omit_str:
            turn["timestamp_str"] = _hms(offset)
        turns.append(turn)
        # Speaking time ~2.6 words/s plus a pause before the next turn.
        offset += len(text.split()) / 2.6 + rng.uniform(0.6, 3.0)
    return Transcript(turns=turns, blocks=blocks, duration=round(offset, 1))


def pick_status(seed: int, api_key: str, plan: PostingPlan, index: int) -> str:
    rng = rng_for(seed, api_key, plan.posting_id, index, "status")
    status = rng.choices(list(SEEDED_STATUS_WEIGHTS), list(SEEDED_STATUS_WEIGHTS.values()))[0]
    return normalise_status(status, plan)


def normalise_status(status: str, plan: PostingPlan) -> str:
    """Map a status onto what the posting's workflow allows."""
    if status == "knocked_out" and not plan.can_knock_out:
        return "completed"
    if plan.interview_step is None and status in ("in_progress", "evaluating"):
        return "completed"
    return status


@dataclass
class InterviewSpec:
    """Inputs for one interview document; the content is derived from `uid`."""

    uid: str  # content seed
    interview_id: str
    candidate: dict[str, Any]
    status: str
    created_at: float  # entered the pipeline
    started_at: float  # interview step started (resume screened just before)
    extra_metadata: dict[str, Any] | None = None
    min_turns: int = 20
    max_turns: int = 80


def transcript_for(spec: InterviewSpec, plan: PostingPlan, company: Company) -> Transcript:
    quality = rng_for(spec.uid, "quality").betavariate(4, 2.5)
    return make_transcript(
        spec.uid, plan, company.name, spec.candidate, quality, spec.started_at, spec.min_turns, spec.max_turns
    )


def build_interview(
    spec: InterviewSpec, plan: PostingPlan, company: Company, base_url: str
) -> dict[str, Any]:
    """The full interview document as GET /interview/{id} returns it, shaped by its status.

    One function per section of the document; they share one seeded random stream, so they are
    called in a fixed order (changing it would change every seeded interview).
    """
    status = spec.status
    quality = rng_for(spec.uid, "quality").betavariate(4, 2.5)
    if status == "knocked_out":
        quality = min(quality, 0.3)
    rng = rng_for(spec.uid, "scores")
    media = f"{base_url}/_sandbox/media/{spec.interview_id}"
    transcript = None
    if plan.interview_step is not None and status in ("evaluating", "completed"):
        transcript = make_transcript(
            spec.uid,
            plan,
            company.name,
            spec.candidate,
            quality,
            spec.started_at,
            spec.min_turns,
            spec.max_turns,
        )
    ended_at = spec.started_at + (transcript.duration if transcript else 600)

    resume_score = round(max(0.5, min(5.0, 1.2 + 3.6 * quality + rng.gauss(0, 0.3))), 1)
    resume_info = resume_interview_info(spec, plan, rng, resume_score, media)
    web_info: dict[str, Any] | None = None
    score: float | None = None
    skill_highlights: list[str] = []
    if transcript is not None:
        web_info, score, skill_highlights = web_interview_info(spec, plan, rng, quality, transcript, media)
    if resume_info is not None and (status == "knocked_out" or (score is None and status == "completed")):
        # Knocked out at the resume, or a resume-only posting: the resume score is the score.
        score = round(resume_score * 20, 1)
    workflow = interview_workflow(spec, plan, ended_at)
    metadata = interview_metadata(spec, resume_info, web_info, score, skill_highlights)
    agentic: dict[str, Any] = {}
    if web_info is not None:
        agentic["web_interview_info"] = web_info
    if resume_info is not None:
        agentic["resume_interview_info"] = resume_info
    return {
        "interview_id": spec.interview_id,
        "details": interview_details(spec, score, workflow, metadata),
        "workflow": workflow,
        "agentic_data": agentic,
        "company_name": company.name,
        "company_image": f"{base_url}/_sandbox/media/company-{company.company_id}.svg",
        "posting_title": plan.title,
        "posting_interview_type": plan.interview_type,
        "posting_id": plan.posting_id,
    }


def resume_interview_info(
    spec: InterviewSpec, plan: PostingPlan, rng: random.Random, resume_score: float, media: str
) -> dict[str, Any] | None:
    """agentic_data.resume_interview_info: done for every status but pending."""
    if spec.status == "pending" or not any(s["type"] == "resume" for s in plan.steps):
        return None
    iid = spec.interview_id
    knocked = spec.status == "knocked_out"
    crit_skills = rng.sample(plan.skills, rng.randint(3, 4))
    criteria: list[dict[str, Any]] = []
    for n, skill in enumerate(crit_skills, 1):
        score = round(max(0.0, min(5.0, resume_score + rng.gauss(0, 0.6))), 1)
        criteria.append(
            {
                "criteria_id": f"c{n}",
                "criteria_text": f"{skill} experience",
                "score": score,
                "confidence_score": round(rng.uniform(0.7, 0.98), 2),
                "reasons": [
                    f"{rng.randint(1, 8)} years of {skill} mentioned in recent roles"
                    if score >= 2.5
                    else f"Little evidence of {skill} in the resume"
                ],
                "standout_parts": [f"Led work on a {rng.choice(FAMILIES[plan.family]['contexts'])}"]
                if score >= 4
                else [],
            }
        )
    eligible = not knocked
    eligibility: list[dict[str, Any]] = [
        {
            "criteria_id": "e1",
            "criteria_text": "Minimum 2 years of relevant experience",
            "pass_criteria": eligible or rng.random() < 0.5,
            "confidence_score": round(rng.uniform(0.8, 0.99), 2),
            "reasons": [
                "Experience listed in the resume matches"
                if eligible
                else "Resume shows less than the required experience"
            ],
        },
        {
            "criteria_id": "e2",
            "criteria_text": "Authorised to work in the hiring country",
            "pass_criteria": True,
            "confidence_score": round(rng.uniform(0.85, 0.99), 2),
            "reasons": ["Candidate confirmed work authorisation"],
        },
    ]
    if knocked:
        eligibility[0]["pass_criteria"] = False
    return {
        "score_criteria": {
            "interview_id": iid,
            "overall_score": resume_score,
            "confidence_score": round(rng.uniform(0.7, 0.95), 2),
            "criteria": criteria,
            "highlights": [f"Strong {c['criteria_text']}" for c in criteria if c["score"] >= 4]
            or ["Relevant background"],
            "improvement_areas": [f"Limited {c['criteria_text']}" for c in criteria if c["score"] < 3]
            or ["No major gaps"],
        },
        "eligibility_criteria": {
            "interview_id": iid,
            "is_eligible": eligible,
            "confidence_score": round(rng.uniform(0.85, 0.99), 2),
            "criteria": eligibility,
            "skill_gaps": [s for s, c in zip(crit_skills, criteria, strict=True) if c["score"] < 3],
        },
        "resume_link": f"{media}.pdf",
    }


def web_interview_info(
    spec: InterviewSpec,
    plan: PostingPlan,
    rng: random.Random,
    quality: float,
    transcript: Transcript,
    media: str,
) -> tuple[dict[str, Any], float | None, list[str]]:
    """agentic_data.web_interview_info, with the interview's score and skill highlights.

    The transcript and recordings are there once the interview is done; summary, scorecard
    and communication only once it is analysed (status completed).
    """
    iid = spec.interview_id
    recorded: dict[str, Any] = {
        "transcript": {"interview_id": iid, "transcript": transcript.turns},
        "audio_recording_link": f"{media}.wav",
    }
    step = plan.interview_step
    if step is not None and step["config"].get("video"):
        # No real video: the player can play the audio through the video link too.
        recorded["video_recording_link"] = f"{media}.wav?kind=video"
    if spec.status != "completed":
        return recorded, None, []
    questions = scorecard_questions(rng, quality, transcript)
    scored = [q for q in questions if not q["not_scored"]] or questions
    total_weight = sum(q["score_weight"] for q in scored)
    score = round(
        sum(q["evaluation_score"] * q["score_weight"] for q in scored) / total_weight * 10
        + rng.uniform(-2, 2),
        1,
    )
    score = max(0.0, min(100.0, score))
    evaluations = communication_evaluations(rng, quality, transcript.turns)
    skill_highlights = rng.sample(plan.skills, 2) + ["Communication"]
    summary = {
        "interview_id": iid,
        "highlights": [f"Strong {s}" for s in skill_highlights[:2]]
        if quality > 0.5
        else ["Friendly and engaged"],
        "lowlights": ["Answers lacked measurable outcomes"]
        if quality < 0.6
        else [f"Limited depth in {rng.choice(plan.skills)}"],
        "match_score": int(max(0, min(100, round(score + rng.gauss(0, 4))))),
    }
    scorecard = {
        "interview_id": iid,
        "match_details": [
            "Good fit for the role"
            if score >= 70
            else "Partial fit for the role"
            if score >= 45
            else "Not a strong fit for the role"
        ],
        "questions": questions,
        "tags": rng.sample(plan.skills, 3),
    }
    communication = {
        "interview_id": iid,
        "speech_score": round(max(1.0, min(5.0, 1.5 + 3.3 * quality + rng.gauss(0, 0.3))), 1),
        "evaluations": evaluations,
    }
    # The key order of the reference: summary, scorecard, communication, transcript, links.
    info = {"summary": summary, "scorecard": scorecard, "communication": communication, **recorded}
    return info, score, skill_highlights


def scorecard_questions(rng: random.Random, quality: float, transcript: Transcript) -> list[dict[str, Any]]:
    """scorecard.questions: a few of the questions asked, scored and ranked."""
    turns = transcript.turns
    questions = []
    blocks = rng.sample(transcript.blocks, min(len(transcript.blocks), rng.randint(3, 6)))
    blocks.sort()
    for n, (start, end, question, criteria) in enumerate(blocks, 1):
        q_score = max(1, min(10, round(1 + 9 * quality + rng.gauss(0, 1.2))))
        not_scored = rng.random() < 0.08
        questions.append(
            {
                "question_id": f"q{n}",
                "question": question,
                "evaluation_summary": (
                    "Strong, specific answer with a measurable outcome"
                    if q_score >= 8
                    else "Reasonable answer; could use a more concrete example"
                    if q_score >= 5
                    else "Answer was vague and lacked evidence"
                ),
                "evaluation_criteria": criteria,
                "preview_timestamp": turns[start]["timestamp"],
                "evaluation_score": q_score,
                "rank": 0,
                # Quote the real turns: same dicts (copied) as in the transcript.
                "chat_transcript": [dict(t) for t in turns[start:end] if t["speaker"] != "System"],
                "score_weight": rng.choice([5, 5, 5, 3, 8, 10, 2]),
                "not_scored": not_scored,
            }
        )
    ranked = sorted(questions, key=lambda q: -q["evaluation_score"])
    for rank, q in enumerate(ranked, 1):
        q["rank"] = rank
    return questions


def communication_evaluations(
    rng: random.Random, quality: float, turns: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """communication.evaluations: remarks quoting the candidate's own turns."""
    # Good remarks quote the longer answers, weak ones the shorter answers.
    candidate_turns = sorted((t for t in turns if t["speaker"] == "candidate"), key=lambda t: len(t["text"]))
    half = max(1, len(candidate_turns) // 2)
    evaluations = []
    for _ in range(rng.randint(2, 3)):
        ev_score = max(1, min(5, round(1 + 4 * quality + rng.gauss(0, 0.5))))
        good = ev_score >= 3
        pool = COMMUNICATION_REMARKS_GOOD if good else COMMUNICATION_REMARKS_WEAK
        quotes = candidate_turns[-half:] if good else candidate_turns[:half]
        evaluations.append(
            {
                "score": ev_score,
                "remarks": [
                    {"details": rng.choice(pool), "transcript_reference": dict(rng.choice(quotes))}
                    for _ in range(rng.randint(1, 2))
                ],
            }
        )
    return evaluations


def interview_workflow(spec: InterviewSpec, plan: PostingPlan, ended_at: float) -> dict[str, Any]:
    """workflow (also details.workflow_status): each step of the posting and how far it got."""
    status = spec.status
    knocked = status == "knocked_out"
    analysed_at = ended_at + 120
    steps = []
    last = spec.created_at
    for order, step in enumerate(plan.steps, 1):
        is_interview = step["type"] in INTERVIEW_STEP_TYPES
        if status == "pending":
            started = complete = False
        elif knocked:
            # The first knockout-enabled step knocked the candidate out; later steps never ran.
            ko_order = next(n for n, s in enumerate(plan.steps, 1) if s["config"].get("knockout_enabled"))
            started = complete = order <= ko_order
        elif status == "in_progress":
            started = True
            complete = not is_interview and order < _interview_order(plan)
        else:
            started = complete = True
        when = spec.started_at if is_interview else spec.started_at - 300 * (3 - order)
        if is_interview and complete:
            when = ended_at if status == "evaluating" else analysed_at
        if started:
            last = max(last, when)
        record: dict[str, Any] = {
            "complete": complete,
            "required": step["type"] != "conversational_sms" or step["config"].get("knockout_enabled", False),
            "order": order,
            "id": step["unique_id"],
            "started": started,
            "last_updated_timestamp": int(when) if started else int(spec.created_at),
        }
        if step["type"] == "resume" and complete:
            record["details"] = {
                "details": "Knocked out at resume screening"
                if knocked and order == 1
                else "Resume uploaded and analyzed"
            }
        if is_interview:
            record["is_analyzing_call"] = status == "evaluating"
        steps.append(record)
    return {
        "interview_id": spec.interview_id,
        "step_by_step": steps,
        "all_complete": status in ("evaluating", "completed"),
        "last_engagement": int(last),
    }


def interview_metadata(
    spec: InterviewSpec,
    resume_info: dict[str, Any] | None,
    web_info: dict[str, Any] | None,
    score: float | None,
    skill_highlights: list[str],
) -> dict[str, Any]:
    """details.metadata: the resume and recording links, the score, what ingestion sent."""
    metadata: dict[str, Any] = {}
    if resume_info is not None:
        metadata["resume"] = {"file_link": resume_info["resume_link"]}
    if web_info is not None:
        metadata["web_interview"] = {
            "final_score": score,
            "skill_highlights": skill_highlights,
            "audio_recording_link": web_info["audio_recording_link"],
        }
        if "video_recording_link" in web_info:
            metadata["web_interview"]["video_recording_link"] = web_info["video_recording_link"]
    if spec.extra_metadata:
        metadata["ingestion"] = spec.extra_metadata
    return metadata


def interview_details(
    spec: InterviewSpec, score: float | None, workflow: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any]:
    """details: who the candidate is, the score, status, workflow_status and metadata."""
    status = spec.status
    return {
        "interview_id": spec.interview_id,
        "candidate_id": spec.candidate["candidate_id"],
        "interviewed_on": int(spec.started_at) if status not in ("pending",) else None,
        "score": score,
        "name": spec.candidate["name"],
        "email": spec.candidate["email"],
        "phone_number": spec.candidate.get("phone_number"),
        "actions": {"can_view": True, "can_download": status == "completed"},
        "status": status,
        "workflow_status": workflow,
        "metadata": metadata,
    }


def _interview_order(plan: PostingPlan) -> int:
    return next(
        (n for n, s in enumerate(plan.steps, 1) if s["type"] in INTERVIEW_STEP_TYPES), len(plan.steps) + 1
    )


def seeded_spec(seed: int, api_key: str, plan: PostingPlan, index: int, anchor: float) -> InterviewSpec:
    uid = f"{seed}|{api_key}|{plan.posting_id}|{index}"
    rng = rng_for(uid, "times")
    window = max(DAY, anchor - plan.created_at - 3600)
    created = plan.created_at + rng.uniform(0, window)
    started = min(created + rng.uniform(600, 3 * DAY), anchor - 3600)
    return InterviewSpec(
        uid=uid,
        interview_id=seeded_interview_id(seed, api_key, plan.posting_id, index),
        candidate=seeded_candidate(seed, api_key, plan, index),
        status=pick_status(seed, api_key, plan, index),
        created_at=float(int(created)),
        started_at=float(int(max(started, created + 60))),
    )
