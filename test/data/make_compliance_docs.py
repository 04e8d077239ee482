#!/usr/bin/env python3
"""Generates a labelled data set of short compliance documents for the builtin classifier.

Writes TSV to stdout, one document per line: label<TAB>text. Labels:

  phi                  clinical notes, lab results, prescriptions, insurance claims
  pci                  card transactions, payment disputes, chargebacks, fraud alerts
  hr                   payroll, performance reviews, leave requests, onboarding
  legal                contracts, NDAs, litigation holds, subpoenas, settlements
  financial_reporting  SOX: journal entries, quarter close, reconciliations, audit
  general              marketing, IT tickets, meeting notes, office logistics

Documents are about 240 bytes on average (nine in ten between 130 and 360): one or two
passages from the class's templates plus a few filler sentences. They are meant to be
hard enough to be a real test of a text classifier: every class has a few dozen
templates, the templates share vocabulary across classes
(claims, payments, accounts, reviews, approvals, audits, leave, settlements), shared
filler sentences are appended at random, some documents get typos, about one in five is a
short note in shared wording where a single topic phrase (sometimes one that belongs to
two classes) carries the class, and about 5% are deliberately mixed: a document of one
class with a passage of another appended, filed under either of the two at random.

Synthetic PII is everywhere and obviously fake but validly formatted, so that a PII
detector finds it and the classifier can be trained on redacted text: names from a
short list, e-mail addresses at example.com/.org/.net, phone numbers in the fictional
555-01xx range, valid-looking SSNs (never 000, 666 or 9xx areas), Luhn-valid card numbers
(the well-known test numbers and random Visa numbers), dates of birth, member IDs.

Standard library only; deterministic for a given --seed (random.Random is the same
Mersenne Twister on every platform). The checked-in test/data/compliance_docs.tsv was
made with: make_compliance_docs.py --rows 3000 --seed 1
"""

import argparse
import random
import re
import sys

FIRST = ["Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David",
         "Susan", "Thomas", "Karen", "Daniel", "Nancy", "Steven", "Olivia", "Ethan", "Aisha",
         "Carlos", "Priya", "Hannah", "George", "Emily", "Samuel", "Laura", "Kevin", "Grace"]
LAST = ["Smith", "Johnson", "Garcia", "Nguyen", "Okafor", "Miller", "Davis", "Rodriguez",
        "Martinez", "Kowalski", "Anderson", "Patel", "Thompson", "Fischer", "Lindqvist",
        "Moreau", "Tanaka", "Hughes", "Reyes", "Brennan"]
MAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"]
AREA = ["212", "312", "415", "617", "713", "206", "303", "404", "305", "512", "602", "919"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
TEST_CARDS = ["4111111111111111", "4012888888881881", "5555555555554444", "5105105105105100",
              "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
              "3530111333300000", "4242424242424242", "5200828282828210", "4000056655665556"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
COMPANIES = ["Acme Corp", "Globex LLC", "Initech Inc.", "Umbrella Holdings", "Northwind Traders",
             "Contoso Ltd", "Fabrikam Inc.", "Wayne Enterprises", "Stark Industries", "Hooli"]
CITIES = ["Boston", "Chicago", "Denver", "Austin", "Seattle", "Atlanta", "Phoenix", "Dallas"]
STATES = ["Delaware", "New York", "California", "Texas", "Illinois"]

# Slot vocabularies. Several are shared across classes on purpose.
V = {
    "condition": ["hypertension", "type 2 diabetes", "asthma", "COPD", "migraine", "atrial fibrillation",
                  "hypothyroidism", "major depressive disorder", "chronic kidney disease", "low back pain",
                  "pneumonia", "cellulitis", "anxiety", "osteoarthritis of the knee"],
    "drug": ["lisinopril", "metformin", "atorvastatin", "albuterol", "sertraline", "levothyroxine",
             "amoxicillin", "apixaban", "gabapentin", "omeprazole", "prednisone", "insulin glargine"],
    "dose": ["5 mg", "10 mg", "20 mg", "40 mg", "500 mg", "850 mg", "25 mcg", "100 mg", "2 puffs"],
    "freq": ["once daily", "twice daily", "every 8 hours", "at bedtime", "as needed"],
    "lab": ["HbA1c", "LDL", "TSH", "creatinine", "potassium", "hemoglobin", "WBC", "ALT", "eGFR",
            "INR", "vitamin D", "sodium"],
    "symptom": ["chest pain", "shortness of breath", "fever and cough", "dizziness", "a rash",
                "abdominal pain", "headaches", "swelling in both ankles", "palpitations"],
    "procedure": ["MRI lumbar spine", "colonoscopy", "knee arthroscopy", "CT chest with contrast",
                  "sleep study", "physical therapy, 12 visits", "echocardiogram", "cataract surgery"],
    "insurer": ["Blue Shield", "Aetna", "United Healthcare", "Cigna", "Humana", "Medicaid"],
    "specialty": ["cardiology", "endocrinology", "orthopedics", "dermatology", "neurology",
                  "behavioral health", "oncology"],
    "imaging": ["X-ray", "CT scan", "ultrasound", "MRI"],
    "bodypart": ["chest", "left knee", "abdomen", "right shoulder", "lumbar spine", "thyroid"],
    "finding": ["no acute abnormality", "a small nodule", "mild degenerative changes",
                "a possible hairline fracture", "an enlarged lymph node"],
    "vaccine": ["influenza", "Tdap", "hepatitis B", "COVID-19 booster", "shingles"],
    "allergy": ["penicillin (hives)", "sulfa drugs", "latex", "peanuts", "no known drug allergies"],
    "merchant": ["Amazon Marketplace", "Shell Station 4411", "Delta Air Lines", "Hilton Downtown",
                 "Best Buy #212", "Uber Trip", "Netflix", "Corner Grocery", "StreamBox Online"],
    "reason": ["10.4 fraud card-absent", "13.1 merchandise not received", "12.6 duplicate processing",
               "4853 not as described", "4837 no cardholder authorization", "13.3 not as described"],
    "system": ["checkout", "CRM", "billing", "call center", "data warehouse", "payroll", "ERP"],
    "country": ["Romania", "Brazil", "Nigeria", "Vietnam", "an unknown country"],
    "leave_type": ["two weeks of vacation", "FMLA leave", "bereavement leave", "unpaid leave",
                   "jury duty leave", "parental leave", "a sabbatical"],
    "rating": ["exceeds expectations", "meets expectations", "needs improvement", "outstanding"],
    "project": ["the billing migration", "the Q3 product launch", "the data warehouse rebuild",
                "the vendor onboarding project", "the audit remediation"],
    "skill": ["written communication", "delegation", "time management", "stakeholder updates"],
    "title": ["Senior Analyst", "Engineering Manager", "Payroll Specialist", "Staff Accountant",
              "Account Executive", "Nurse Practitioner", "Paralegal", "Director of Marketing"],
    "dept": ["Finance", "Engineering", "Sales", "Customer Support", "Legal", "Marketing", "Operations"],
    "hr_issue": ["a hostile work environment", "unpaid overtime", "a scheduling conflict with a manager",
                 "discrimination in promotion decisions", "retaliation after a complaint"],
    "matter": ["the Henderson dispute", "Project Falcon", "the 2022 data breach", "the supplier contract",
               "the wage-and-hour claim", "the patent infringement suit"],
    "court": ["the Superior Court of California", "the U.S. District Court for the Southern District of New York",
              "the Delaware Court of Chancery", "the Circuit Court of Cook County"],
    "agency": ["SEC", "FTC", "Department of Labor", "state attorney general", "OCR", "CFPB"],
    "claim": ["deceptive billing practices", "breach of contract", "unauthorized data sharing",
              "unpaid overtime", "securities fraud"],
    "gl": ["1010", "1200", "2100", "2150", "2400", "4000", "5100", "6200", "6550", "7100"],
    "acct_name": ["accounts receivable", "accrued liabilities", "prepaid expenses", "deferred revenue",
                  "accounts payable", "payroll clearing", "cash in bank", "inventory", "other income"],
    "accrual_item": ["legal fees", "Q4 bonuses", "utilities", "consulting services", "card processing fees",
                     "unbilled revenue", "vacation liability", "audit fees"],
    "quarter": ["Q1 FY2024", "Q2 FY2024", "Q3 FY2024", "Q4 FY2023", "Q1", "Q2", "Q3", "Q4"],
    "control": ["FIN-01", "FIN-07", "ITGC-03", "REV-02", "P2P-05", "JE-04", "PAY-02", "TR-09"],
    "erp": ["SAP", "Oracle Financials", "NetSuite", "Workday"],
    "entity": ["the UK subsidiary", "Acme GmbH", "the Canadian entity", "Holdings LLC", "the APAC region"],
    "driver": ["timing of vendor invoices", "a one-time legal settlement", "higher card processing volume",
               "headcount growth", "a delayed customer payment"],
    "site": ["the Reno warehouse", "the Dallas distribution center", "store 118"],
    "product": ["Atlas", "Nimbus", "the mobile app", "the new pricing page", "Orion 2.0"],
    "campaign": ["Spring Promo", "Back to School", "Holiday Blast", "Webinar Series"],
    "topic": ["data privacy", "cloud costs", "customer onboarding", "the new expense policy"],
    "tool": ["Zoom", "Jira", "Salesforce", "Adobe Creative Cloud", "Tableau"],
    "event": ["the HIMSS conference", "SaaStr", "the regional trade show", "Money20/20"],
    "channel": ["launch-team", "random", "ops-alerts", "marketing"],
    "month": MONTHS,
    "weekday": WEEKDAYS,
    "company2": COMPANIES,
    "company": COMPANIES,
    "city": CITIES,
    "state": STATES,
}

# ---------------------------------------------------------------------------- templates
# {slot} names are filled by Filler.fill. Each class's templates are typical documents of
# that class; several borrow words from other classes on purpose.
T = {}
T["phi"] = [
    "Patient {name} (DOB {dob}) seen in clinic for follow-up of {condition}. BP {bp}, HR {hr}. Continue {drug} {dose} {freq}; recheck {lab} in {n} weeks.",
    "Lab results for {name}, MRN {mrn}: {lab} {labval}, {lab2} {labval2}. Abnormal values routed to Dr. {last2} for review.",
    "Rx: {drug} {dose}, take {freq} for {n} days, {k} refills. Prescriber Dr. {last2}. Patient phone {phone}.",
    "Claim {claim_no} submitted to {insurer} for member ID {member_id}. CPT {cpt}, ICD-10 {icd}. Billed amount ${amount}; patient responsibility ${amount2}.",
    "Prior authorization request for {name}, member {member_id}, DOB {dob}: {procedure} ordered by Dr. {last2} for {condition}.",
    "Discharge summary: {name} admitted {date} with {condition}, treated with {drug}. Discharged home in stable condition; follow up with primary care in {n} days.",
    "Nurse call note: {first} called from {phone} reporting {symptom} since {weekday}. Advised to continue {drug} and go to urgent care if symptoms worsen.",
    "Explanation of benefits for member {member_id}: claim {claim_no} for {procedure} on {date} processed, allowed ${amount}, plan paid ${amount2}.",
    "Immunization record updated for {name} (DOB {dob}): {vaccine} vaccine given {date}, lot {lot}.",
    "Radiology report for {name}, MRN {mrn}: {imaging} of the {bodypart} shows {finding}. Recommend clinical correlation.",
    "Referral to {specialty} for {name}; SSN {ssn} on file with the insurer, member ID {member_id}. Reason for referral: {condition}.",
    "Pharmacy refill request for {drug} {dose} received from {email}; the insurance claim was rejected and needs prior authorization.",
    "Authorization to release medical records signed by {name} on {date}, allowing disclosure to {first2} {last2} (phone {phone}).",
    "Progress note: {age} y/o with {condition}, HbA1c {a1c}, LDL {ldl}. Counselled on diet and exercise; start {drug} {dose}.",
    "Appointment reminder: {name}, your visit with Dr. {last2} in {specialty} is on {date}. Reply to {email} or call {phone} to reschedule.",
    "Allergy list reviewed for {name}: {allergy}. Medication reconciliation completed before discharge.",
    "Therapy session note for {first}: discussed sleep, work stress and {condition}; PHQ-9 score {phq}. Next session in two weeks.",
    "Appeal of claim denial for member {member_id}, patient {name}, DOB {dob}: denied as not medically necessary; chart notes from {date} attached.",
    "Pathology: biopsy of the {bodypart} for {name}, MRN {mrn}, shows {finding}; oncology consult requested.",
    "Telehealth visit: {name} reports {symptom}. Plan: {drug} {dose} {freq}. Copay of ${copay} charged to the card on file.",
    "Work note from Dr. {last2}: {name} is under care for {condition} and unable to work from {date} for {n} weeks.",
    "Coordination of benefits: {name} has secondary coverage with {insurer}, subscriber SSN {ssn}, group number {group}.",
    "Lab order: {lab} and {lab2}, fasting; diagnosis code {icd}; bill to insurance, member ID {member_id}.",
    "ED triage: {age} year old presenting with {symptom}, ESI level {k}. History of {condition}. Contact {first2} {last2} at {phone}.",
    "Dental claim {claim_no}: crown and root canal for {name}, member ID {member_id}, billed ${amount}.",
    "Home health visit for {name}: wound care, vitals stable, BP {bp}. Family member {first2} reachable at {phone}.",
    "Patient portal message from {email}: asking whether the {lab} result of {labval} is normal and if {drug} should be stopped.",
]
T["pci"] = [
    "Chargeback received for card ending {last4}: cardholder {name} disputes ${amount} at {merchant} on {date}, reason code {reason}.",
    "Transaction declined: card {card}, exp {exp}, amount ${amount}, response code {resp}. Customer asked to use another payment method.",
    "Customer {name} called from {phone} to dispute a duplicate charge of ${amount} on card {card}. Provisional credit issued.",
    "Refund of ${amount} processed to Visa {card} for order {order}; settlement expected in {n} business days.",
    "Scan found full card number {card} stored in plain text in the {system} logs; ticket {ticket} opened to purge it and rotate tokens.",
    "Fraud alert: {n} card-not-present transactions on {card} from {country} within an hour, total ${amount}. Card blocked and reissued.",
    "Representment for chargeback {case_no} by {merchant}: proof of delivery and signed receipt attached for ${amount}.",
    "Authorization hold of ${amount} on card ending {last4} for a hotel stay on {date}; guest {name} asked us to release it.",
    "Payment form submitted by {email}: card {card}, CVV provided, billing ZIP {zip}. Tokenised and sent to the gateway.",
    "Recurring billing failed for subscription {order}: card {card} expired {exp}. Email sent to {email} to update payment details.",
    "Dispute {case_no} closed in favour of cardholder {name}; ${amount} debited from the merchant account and a ${fee} fee applied.",
    "Terminal {terminal} at store {store} reported {n} offline card transactions; batch settlement delayed until tomorrow.",
    "Cardholder {name} reports a lost card {card}; last legitimate purchase ${amount} at {merchant}. Replacement card mailed.",
    "Interchange report for {month}: {n} Mastercard transactions, gross ${amount}, fees ${fee}, net deposit pending.",
    "Friendly fraud suspected: {name} claims the item was not received, but tracking shows delivery on {date}. Chargeback {case_no} contested.",
    "Payment retry for order {order}: 3-D Secure challenge failed for card {card}; customer will call back at {phone}.",
    "Partial refund of ${amount} to Amex {card} because the order arrived damaged.",
    "Customer asked to delete the stored card {card} from the wallet; confirmed by email to {email}.",
    "Gateway error on checkout: {n} customers charged twice; refunds of ${amount} queued to each card.",
    "Retrieval request from the issuer for transaction {txn} on card ending {last4}, ${amount}, {date}. Copy of receipt due in {n} days.",
    "Debit card {card} used for an ATM withdrawal of ${amount} that {name} disputes; camera footage requested from the bank.",
    "Card {card} added to the block list after {n} failed CVV attempts; fraud team reviewing the IP range.",
    "Settlement file mismatch: {n} card transactions totalling ${amount} held for merchant category code {mcc}.",
    "Cardholder {name} says the card {card} was charged ${amount} by {merchant} after cancelling the subscription.",
    "Tokenization request: replace PAN {card} with a vault token for customer {email} before storing the payment profile.",
    "Card {card} on file for {name} was updated by the account updater service; new expiry {exp}.",
    "Merchant statement shows ${fee} in chargeback fees for {month}; {n} disputes still open with the acquirer.",
]
T["hr"] = [
    "Payroll change for employee {emp_id} {name}: salary increased to ${salary} effective {date}. Direct deposit to account {bank_acct}, routing {routing}.",
    "Performance review for {name}: rating {rating}; strong delivery on {project}, needs improvement in {skill}. Merit increase {pct}%.",
    "Leave request: {name} requests {leave_type} from {date} to {date2}; manager {first2} {last2} approved.",
    "New hire onboarding for {name}, start date {date}: I-9 verified, SSN {ssn}, DOB {dob}. Laptop and badge requested.",
    "W-2 correction for {name}, SSN {ssn}: box 1 wages of ${salary} were reported incorrectly for {year}.",
    "Termination checklist for employee {emp_id}: final paycheck ${amount}, COBRA notice mailed, system access revoked on {date}.",
    "Benefits enrollment: {name} added spouse {first2} to the medical plan, dependent DOB {dob}. Payroll deduction ${amount} per period.",
    "Complaint filed by {name} about {hr_issue}; HR investigation opened, interviews scheduled with {first2} {last2}.",
    "Overtime report for the pay period ending {date}: {n} hours for {name}, approved by {first2}.",
    "Offer letter for {name}: {title} in {dept}, base salary ${salary}, signing bonus ${amount}, start date {date}. Please sign by {date2}.",
    "Timesheet discrepancy for {name} ({emp_id}): {n} hours missing for the week of {date}; payroll adjustment needed.",
    "Background check for candidate {name} completed; DOB {dob} and SSN {ssn} verified; no records found.",
    "Parental leave for {name} starts {date}; short-term disability claim filed with the carrier, twelve weeks under FMLA.",
    "Promotion of {name} to {title}, effective {date}; new salary band {band}, reporting to {first2} {last2}.",
    "Exit interview notes for {name}: leaving for a competitor, rated manager support {k}/5. Eligible for rehire.",
    "Expense reimbursement for {name}: ${amount} for travel to {city}, paid with the next payroll run.",
    "Wage garnishment order received for employee {emp_id}, {name}; deduct ${amount} per pay period starting {date}.",
    "Annual compensation review: {dept} has a {pct}% merit pool; {n} employees eligible for the equity refresh.",
    "Emergency contact updated for {name}: {first2} {last2}, phone {phone}, email {email}.",
    "Written warning issued to {name} for repeated tardiness on {date}; next step is a performance improvement plan.",
    "Remote work agreement signed by {name}; home office stipend ${amount}; equipment to be returned on separation.",
    "PTO balance for {name}: {n} days accrued, {k} used; carry-over capped at five days.",
    "Direct deposit form from {name}: bank account {bank_acct}, routing {routing}; pay stubs to {email}.",
    "Harassment prevention training: {n} of {m} employees in {dept} completed it by {date}; reminders sent to managers.",
    "Workers compensation claim for {name} after an injury at work on {date}; doctor's note attached, return to work in {n} weeks.",
    "Reference check for {name}: former manager {first2} {last2} confirmed dates of employment and title {title}.",
    "Job requisition for a {title} in {dept} approved; salary range ${salary} to ${salary2}; hiring manager {first2}.",
]
T["legal"] = [
    "Mutual non-disclosure agreement between {company} and {company2} effective {date}; term {k} years; governing law {state}.",
    "Litigation hold notice: preserve all emails and documents related to {matter} from {date}. Custodians: {name} and {name2}.",
    "Subpoena served on {date} requesting the records of {name} in {caption}; response due in {n} days.",
    "Master services agreement redline from outside counsel: indemnification cap raised to ${amount}; limitation of liability clause revised.",
    "Cease and desist letter sent to {company2} about use of our trademark; reply demanded by {date}.",
    "Settlement agreement in {caption}: defendant pays ${amount} within {n} days; mutual release; no admission of liability.",
    "Contract renewal for vendor {company2}: auto-renews on {date} unless notice is given {n} days prior; counsel {name} to review.",
    "Deposition of {name} scheduled for {date} at the offices of outside counsel; court reporter booked.",
    "Data processing addendum under GDPR Article 28 executed with {company2}; standard contractual clauses attached.",
    "Motion to compel filed in {court}, case no. {docket}; hearing set for {date}.",
    "Arbitration demand by former employee {name} alleging wrongful termination; answer due {date}.",
    "Lease amendment for the {city} office: rent ${amount} per month, term extended through {date}.",
    "Regulatory inquiry from the {agency} about {topic}; legal to coordinate document production by {date}.",
    "Patent assignment from inventor {name} to {company}, application no. {patent}; notarised on {date}.",
    "Power of attorney granted by {name} to {name2}; signed {date} before a notary.",
    "Privileged and confidential: counsel's memo on exposure in {matter}; estimated range ${amount} to ${amount2}.",
    "Statement of work {sow} under the MSA with {company2}: deliverables, acceptance criteria and payment terms net {k}0.",
    "Breach notification analysis: {n} records affected; counsel advises notice to regulators within 72 hours under GDPR.",
    "Class action complaint filed against {company} in {court} alleging {claim}; insurer notified under the D&O policy.",
    "Trademark opposition deadline {date} for application {patent}; docketed by paralegal {first}.",
    "Vendor contract signature pending: {company2} asked to strike the non-solicitation clause; legal to respond by {date}.",
    "Court order in {caption} compels production of records for {name}, DOB {dob}; a privilege log is required.",
    "Legal review of marketing claims for {product}: remove the word guaranteed and add the standard disclaimer.",
    "Records retention exception approved by the general counsel for {matter}; scheduled destruction suspended.",
    "Consent decree compliance report due to the {agency} on {date}; the monitor {name} requested interviews.",
    "Indemnification claim notice from {company2} under section 9 of the agreement; amount claimed ${amount}.",
    "Engagement letter with outside counsel for {matter}; blended hourly rate ${fee}, budget ${amount}.",
]
T["financial_reporting"] = [
    "Journal entry JE-{je} posted to account {gl} for ${amount}: accrual for {accrual_item}, approved by {name}.",
    "Quarter close checklist for {quarter}: bank reconciliations complete, {n} open intercompany items, flux analysis due {date}.",
    "Account reconciliation {gl} ({acct_name}) shows an unreconciled difference of ${amount}; preparer {first}, reviewer {first2}.",
    "Audit adjustment proposed by the external auditors: reclassify ${amount} from {acct_name} to {acct_name2}.",
    "SOX control {control} tested: sample of {n} journal entries, {k} exceptions for missing approval evidence.",
    "Revenue recognition memo for the contract with {company2}: ${amount} deferred under ASC 606, recognised over {n} months.",
    "Management review control: variance of {pct}% in {acct_name} against forecast explained by {driver}.",
    "10-Q draft for {quarter}: net revenue ${amount} million, operating margin {pct}%; disclosure committee meets on {date}.",
    "Segregation of duties conflict: user {first} can both create vendors and approve payments in {erp}; remediation ticket {ticket}.",
    "Fixed asset roll-forward for {quarter}: additions ${amount}, disposals ${amount2}, depreciation posted.",
    "Accrued liabilities for {quarter} include a legal settlement reserve of ${amount} and a bonus accrual of ${amount2}.",
    "Intercompany elimination entries for {entity} out of balance by ${amount}; consolidation locked until resolved.",
    "Deficiency evaluation: the user access review for {erp} was incomplete; evaluated as significant, not a material weakness.",
    "Inventory count variance of ${amount} at {site}; adjustment booked to cost of goods sold after controller approval.",
    "Cash flow statement tie-out for {quarter}: operating cash flow ${amount} ties to the general ledger; reviewer signed off.",
    "Bad debt reserve recalculated: receivables aged over 90 days ${amount}, reserve rate {pct}%; JE-{je} posted.",
    "Card processing fees of ${amount} for {month} recorded as merchant fee expense; statements reconciled to the settlement reports.",
    "Payroll clearing account {gl} shows ${amount} unreconciled after the {month} payroll run; HR and finance to review.",
    "Walkthrough of the purchase-to-pay process with internal audit; key controls {control} and {control2} documented.",
    "Foreign exchange revaluation for {entity}: unrealized loss of ${amount} booked to other income.",
    "Tax provision for {quarter}: effective rate {pct}%, uncertain tax position reserve ${amount}.",
    "Manual journal entries over ${amount} require approval by the CFO, {name}; evidence attached in {erp}.",
    "Subledger to GL reconciliation for accounts payable: difference of ${amount} due to timing of invoice {invoice}.",
    "Goodwill impairment test for {entity} passed with {pct}% headroom; the auditors asked for a sensitivity analysis.",
    "Prior period error of ${amount} in {acct_name} assessed as immaterial; no restatement, disclosed in the notes.",
    "Audit committee pre-read: status of SOX testing, {n} open deficiencies, remediation owners {first} and {first2}.",
    "Trial balance for {quarter} does not tie: {acct_name} off by ${amount}; hold the close until the entry is reversed.",
]
T["general"] = [
    "IT ticket {ticket}: {first} cannot access the VPN after a password reset; reset the MFA token and cleared the cache.",
    "Meeting notes {date}: agreed the launch timeline for {product}; action items for {first} and {first2}.",
    "Marketing campaign {campaign} results: open rate {pct}%, click-through {pct2}%, {n} new leads.",
    "Laptop replacement for {name}: asset tag {asset}, shipped to the office; the old device will be wiped.",
    "Newsletter draft for {month}: a customer story, a webinar on {topic}, and product tips.",
    "The printer on floor {k} is jammed again; facilities ticket {ticket} opened.",
    "Webinar registration confirmation sent to {email}; {n} attendees registered so far.",
    "All-hands agenda: quarterly highlights, new office opening in {city}, questions from the team.",
    "Outage postmortem: {system} was unavailable for {n} minutes because of an expired certificate; add monitoring.",
    "Customer feedback survey: NPS {k}0, the top request is dark mode; shared with the product team.",
    "Please update your email signature with the new logo; templates are on the intranet.",
    "Conference booth at {event} booked; swag order and travel for {first} and {first2}.",
    "Software license renewal for {tool}: {n} seats, owner {first}; procurement to confirm pricing.",
    "Password reset requested for {email}; the link expires in 24 hours.",
    "Team lunch on {weekday} to celebrate the {product} launch; RSVP to {first}.",
    "Security awareness reminder: never send passwords or card numbers by email; report phishing to IT.",
    "Website A/B test: the new landing page increased sign-ups by {pct}%.",
    "Office move scheduled for {date}; pack your desks by {weekday}, movers arrive at 8 am.",
    "Slack channel #{channel} archived; discussion moved to the project wiki.",
    "Call with {company2} about a partnership; follow-up deck to be sent to {email}.",
    "Backup job failed on server {server}; restored from snapshot, no data loss.",
    "Social media calendar for {month}: {n} posts, two customer videos and a holiday greeting.",
    "Training session on the new expense tool on {date}; the recording will be shared.",
    "Wi-Fi in conference room {room} keeps dropping connections; ticket {ticket} with the network team.",
    "Press release draft for {product}; legal review requested before publishing.",
    "Quarterly planning offsite in {city} on {date}; agenda and hotel details from {first}.",
    "Reminder: the kitchen fridge will be cleaned on {weekday}; label your food.",
]

# Short documents in shared wording, where one topic phrase carries the class (about one
# in five documents). Several phrases belong to more than one class on purpose: a claim
# can be an insurance claim (phi), a workers compensation claim (hr) or a legal claim; a
# settlement can be a court settlement or a card settlement; an audit can be financial,
# PCI or an IT audit. These are where a classifier must stay unsure.
WEAK_FRAMES = [
    "Can someone check the {topic} for {name}? It was flagged in yesterday's review.",
    "Following up on the {topic} from {date}; status is still pending.",
    "Reminder to close out the {topic} before the end of the week.",
    "{first}, please send me the latest on the {topic} when you get a chance.",
    "Quick question about the {topic}: who approved it and when?",
    "The {topic} was updated on {date}. Let me know if anything looks off.",
    "Attached is the {topic} we discussed. Please review and sign off.",
    "Per {first}'s request, the {topic} has been moved to next week.",
    "We still need documentation for the {topic} ({ticket}).",
    "Status of the {topic}: waiting on {first2} {last2}.",
    "Can we discuss the {topic} in tomorrow's meeting?",
    "I left a voicemail at {phone} about the {topic}.",
    "The {topic} for {name} is on hold until the account is verified.",
    "Please escalate the {topic}; the deadline is {date}.",
    "Noted an issue with the {topic}, details to follow by email to {email}.",
]
WEAK_TOPICS = {
    "phi": ["insurance claim", "claim", "prior authorization", "lab order", "referral", "prescription refill",
            "medical records request", "patient intake form", "benefits verification", "explanation of benefits",
            "care plan", "billing statement"],
    "pci": ["chargeback", "dispute", "refund request", "card payment", "declined transaction", "fraud claim",
            "settlement batch", "PCI audit", "payment gateway issue", "billing statement", "card replacement"],
    "hr": ["leave request", "payroll change", "timesheet", "benefits enrollment", "performance review",
           "workers compensation claim", "offer letter", "onboarding packet", "expense reimbursement",
           "background check", "policy acknowledgement"],
    "legal": ["contract", "NDA", "subpoena", "settlement", "litigation hold", "claim", "vendor agreement",
              "policy review", "demand letter", "records request", "engagement letter"],
    "financial_reporting": ["journal entry", "reconciliation", "audit adjustment", "accrual", "quarter close",
                            "audit request", "variance analysis", "settlement reserve", "expense report",
                            "control testing", "payroll accrual"],
    "general": ["ticket", "meeting notes", "campaign brief", "newsletter", "laptop request", "audit of the shared drive",
                "policy acknowledgement", "access request", "webinar", "vendor demo", "expense report"],
}

# Sentences that can follow a document of any class.
FILLERS = [
    "Please review and confirm by end of day.", "Forwarded to {first} for follow-up.",
    "See the attached file for details.", "Thanks, {first}.", "Ref: {ticket}.",
    "Let me know if you have any questions.", "CC: {email}.", "Updated in the system on {date}.",
    "Priority: high.", "Sent from my phone.", "Per our call this morning.",
    "Approval needed from {first} {last}.", "This is time-sensitive.", "You can reach me at {phone}.",
    "Status: pending review.", "The document is in the shared drive.", "Escalated to the manager on duty.",
    "Internal use only.", "Confidential.", "Reminder: annual compliance training is due this month.",
    "Next review in {n} days.", "Logged by {first} {last}.", "No further action needed at this time.",
    "Please do not reply to this message.", "Will follow up on {weekday}.", "Case owner: {first}.",
    "Audit trail updated.", "Payment status to be confirmed.", "Account notes updated after the call.",
    "Policy reference attached.", "Copy sent to the records team.", "Approved.",
]

PREFIXES = ["", "", "", "", "RE: ", "FW: ", "Note: ", "Update: ", "URGENT: ", "Summary: "]


def luhn_complete(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # the digit left of the check digit is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


class Filler:
    """Draws slot values from one random.Random."""

    def __init__(self, rng):
        self.r = rng

    def digits(self, n):
        return "".join(str(self.r.randint(0, 9)) for _ in range(n))

    def date(self, lo=2022, hi=2024):
        y, m, d = self.r.randint(lo, hi), self.r.randint(1, 12), self.r.randint(1, 28)
        style = self.r.randint(0, 3)
        if style == 0:
            return f"{m:02d}/{d:02d}/{y}"
        if style == 1:
            return f"{y}-{m:02d}-{d:02d}"
        if style == 2:
            return f"{MONTHS[m - 1]} {d}, {y}"
        return f"{d} {MONTHS[m - 1][:3]} {y}"

    def ssn(self):
        while True:
            area = self.r.randint(1, 899)
            if area != 666:
                break
        return f"{area:03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"

    def card(self):
        if self.r.random() < 0.5:
            number = self.r.choice(TEST_CARDS)
        else:
            number = luhn_complete("4" + self.digits(14))
        style = self.r.randint(0, 2)
        if style == 0 or len(number) != 16:
            return number
        sep = " " if style == 1 else "-"
        return sep.join(number[i:i + 4] for i in range(0, 16, 4))

    def phone(self):
        area, line = self.r.choice(AREA), f"01{self.r.randint(0, 99):02d}"
        style = self.r.randint(0, 2)
        if style == 0:
            return f"({area}) 555-{line}"
        if style == 1:
            return f"{area}-555-{line}"
        return f"+1 {area} 555 {line}"

    def email(self, first, last):
        user = self.r.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{self.r.randint(1, 99)}"])
        return f"{user.lower()}@{self.r.choice(MAIL_DOMAINS)}"

    def amount(self):
        v = self.r.choice([self.r.randint(5, 300), self.r.randint(100, 5000), self.r.randint(1000, 250000)])
        if self.r.random() < 0.5:
            return f"{v:,}.{self.r.randint(0, 99):02d}"
        return f"{v:,}"

    def fill(self, template):
        """Fills every {slot} of template; one person per document, a second on request."""
        first, last = self.r.choice(FIRST), self.r.choice(LAST)
        first2, last2 = self.r.choice(FIRST), self.r.choice(LAST)
        cache = {}

        def value(slot):
            r = self.r
            if slot in cache:
                return cache[slot]
            if slot == "name":
                v = f"{first} {last}"
            elif slot == "name2":
                v = f"{first2} {last2}"
            elif slot == "first":
                v = first
            elif slot == "last":
                v = last
            elif slot == "first2":
                v = first2
            elif slot == "last2":
                v = last2
            elif slot == "email":
                v = self.email(first, last)
            elif slot == "phone":
                v = self.phone()
            elif slot == "ssn":
                v = self.ssn()
            elif slot == "card":
                v = self.card()
            elif slot == "last4":
                v = self.digits(4)
            elif slot == "dob":
                v = self.date(1940, 2005)
            elif slot in ("date", "date2"):
                v = self.date()
            elif slot in ("amount", "amount2", "salary", "salary2"):
                v = self.amount() if slot.startswith("amount") else f"{r.randint(45, 240) * 1000:,}"
            elif slot in ("fee", "copay"):
                v = f"{r.randint(5, 95)}.00"
            elif slot == "member_id":
                v = r.choice(["MBR", "XJH", "W", "ZGP"]) + self.digits(r.randint(7, 9))
            elif slot == "mrn":
                v = self.digits(8)
            elif slot in ("claim_no", "case_no", "order", "txn", "invoice"):
                v = r.choice(["", "#", "INV-", "CLM-", "A"]) + self.digits(r.randint(6, 10))
            elif slot == "cpt":
                v = str(r.randint(10000, 99999))
            elif slot == "icd":
                v = r.choice("EIJMKFR") + f"{r.randint(10, 99)}.{r.randint(0, 9)}"
            elif slot == "bp":
                v = f"{r.randint(105, 165)}/{r.randint(62, 98)}"
            elif slot == "hr":
                v = str(r.randint(55, 110))
            elif slot in ("labval", "labval2"):
                v = f"{r.randint(1, 240)}.{r.randint(0, 9)}"
            elif slot == "lab2":
                v = r.choice(V["lab"])
            elif slot in ("a1c",):
                v = f"{r.randint(5, 11)}.{r.randint(0, 9)}%"
            elif slot in ("ldl",):
                v = str(r.randint(60, 210))
            elif slot == "phq":
                v = str(r.randint(0, 27))
            elif slot == "age":
                v = str(r.randint(18, 92))
            elif slot in ("n", "m"):
                v = str(r.randint(2, 60))
            elif slot == "k":
                v = str(r.randint(1, 5))
            elif slot in ("pct", "pct2"):
                v = f"{r.randint(1, 40)}.{r.randint(0, 9)}"
            elif slot == "lot":
                v = r.choice("ABCDEFGH") + self.digits(5)
            elif slot == "group":
                v = "GRP-" + self.digits(6)
            elif slot == "exp":
                v = f"{r.randint(1, 12):02d}/{r.randint(24, 30)}"
            elif slot == "resp":
                v = r.choice(["05", "51", "54", "14", "N7", "61"])
            elif slot == "zip":
                v = self.digits(5)
            elif slot in ("terminal", "store", "asset", "server", "room"):
                v = r.choice(["T", "S", "A", "srv-", "R"]) + self.digits(r.randint(3, 5))
            elif slot == "ticket":
                v = r.choice(["INC", "REQ", "TKT-", "SR"]) + self.digits(6)
            elif slot == "mcc":
                v = str(r.choice([5411, 5812, 4111, 5999, 7011, 4814]))
            elif slot == "emp_id":
                v = "E" + self.digits(6)
            elif slot == "bank_acct":
                v = self.digits(r.randint(8, 12))
            elif slot == "routing":
                v = r.choice(["011000015", "021000021", "026009593", "121000358"])
            elif slot == "year":
                v = str(r.randint(2019, 2023))
            elif slot == "band":
                v = r.choice(["L4", "L5", "M1", "P3", "IC5"])
            elif slot in ("acct_name2",):
                v = r.choice(V["acct_name"])
            elif slot == "control2":
                v = r.choice(V["control"])
            elif slot == "je":
                v = self.digits(5)
            elif slot == "docket":
                v = f"{r.randint(18, 24)}-cv-{self.digits(5)}"
            elif slot == "caption":
                v = f"{r.choice(LAST)} v. {r.choice(COMPANIES)}"
            elif slot == "patent":
                v = f"{r.randint(16, 18)}/{self.digits(3)},{self.digits(3)}"
            elif slot == "sow":
                v = "SOW-" + self.digits(3)
            elif slot in V:
                v = r.choice(V[slot])
            else:
                raise KeyError(slot)
            cache[slot] = v
            return v

        return re.sub(r"\{(\w+)\}", lambda m: value(m.group(1)), template)


def typo(rng, text):
    """Introduces one typo into a random word of at least 5 letters."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randint(1, len(w) - 2)
    kind = rng.randint(0, 2)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]  # swap
    elif kind == 1:
        w = w[:j] + w[j + 1:]  # drop
    else:
        w = w[:j] + w[j] + w[j:]  # double
    words[i] = w
    return " ".join(words)


# Class frequencies (not uniform: the majority-class baseline is about 0.21).
WEIGHTS = {"phi": 21, "pci": 17, "hr": 17, "legal": 15, "financial_reporting": 14, "general": 16}


def document(rng, filler, label):
    """One document of class label, and the label it is filed under."""
    if rng.random() < 0.2:
        text = rng.choice(PREFIXES) + filler.fill(
            rng.choice(WEAK_FRAMES).replace("{topic}", rng.choice(WEAK_TOPICS[label])))
    else:
        text = rng.choice(PREFIXES) + filler.fill(rng.choice(T[label]))
        if rng.random() < 0.5:  # a follow-up passage of the same class
            text += " " + filler.fill(rng.choice(T[label]))
    if rng.random() < 0.05:
        # Mixed document: a passage of another class appended, filed under either class.
        other = rng.choice([c for c in T if c != label])
        text += " " + filler.fill(rng.choice(T[other]))
        if rng.random() < 0.5:
            label = other
    for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
        text += " " + filler.fill(rng.choice(FILLERS))
    if rng.random() < 0.10:
        for _ in range(rng.randint(1, 3)):
            text = typo(rng, text)
    if rng.random() < 0.05:
        text = text.lower()
    return label, re.sub(r"\s+", " ", text).strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    filler = Filler(rng)
    labels = sorted(WEIGHTS)
    weights = [WEIGHTS[l] for l in labels]
    out = sys.stdout
    for _ in range(args.rows):
        label, text = document(rng, filler, rng.choices(labels, weights)[0])
        out.write(f"{label}\t{text}\n")


if __name__ == "__main__":
    main()
