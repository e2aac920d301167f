package demo

import "github.com/va/vams/ent/thread"

// The mailbox script: every demo conversation, as plain data. Seed turns it
// into threads and messages, computing folders and aggregates from it.

// Folder names a script thread may be placed in besides its home folder.
const (
	folderTrash        = "Trash"
	folderTravelClaims = "Travel Claims"
)

// Tag names used by the script.
const (
	tagImportant = "Important"
	tagFollowUp  = "Follow up"
)

// Authors of script messages.
const (
	byVeteran   = 'V' // a sent message from the veteran
	byClinician = 'C' // a message from the care team
	byDraft     = 'D' // the veteran's unsent draft
)

type scriptMsg struct {
	by      byte
	after   float64 // hours after the previous message (the first one: after the thread start)
	author  string  // clinician's name; the veteran's own name is used for V and D
	body    string
	unread  bool     // C only: not read by the veteran yet
	receipt bool     // V only: the care team read it (MHV read receipt)
	files   []string // attachment file names; content is chosen by extension
}

type scriptThread struct {
	team    string // care team provider id
	cat     thread.Category
	subject string
	folder  string  // "" for the home folder (Inbox, Sent or Drafts from the messages), else Trash or a custom folder
	daysAgo float64 // thread start, in days before now
	tags    []string
	msgs    []scriptMsg
}

// Care team staff (fictional).
const (
	nair      = "Priya Nair, MD"
	bell      = "Marcus Bell, RN"
	whitfield = "Dana Whitfield, PharmD"
	morales   = "Tessa Morales, ROI Specialist"
	okafor    = "Samuel Okafor, MD"
	park      = "Lena Park, RN"
	holloway  = "Grace Holloway, AuD"
	brooks    = "Elena Brooks, NP"
	tran      = "Kevin Tran, RN"
	kim       = "Rachel Kim, PharmD"
	haddad    = "Omar Haddad, PhD"
	svensson  = "Julia Svensson, RN"
	cruz      = "Natalie Cruz, MD"
	lawson    = "Derek Lawson, DPT"
)

func v(after float64, body string, files ...string) scriptMsg {
	return scriptMsg{by: byVeteran, after: after, body: body, files: files}
}

// vr is a veteran message the care team has read (read receipt).
func vr(after float64, body string, files ...string) scriptMsg {
	return scriptMsg{by: byVeteran, after: after, body: body, receipt: true, files: files}
}

func c(after float64, author, body string, files ...string) scriptMsg {
	return scriptMsg{by: byClinician, after: after, author: author, body: body, files: files}
}

// cu is a care-team message the veteran has not read yet.
func cu(after float64, author, body string, files ...string) scriptMsg {
	return scriptMsg{by: byClinician, after: after, author: author, body: body, unread: true, files: files}
}

func draft(after float64, body string) scriptMsg {
	return scriptMsg{by: byDraft, after: after, body: body}
}

var mailboxes = map[string][]scriptThread{
	Veteran1ICN: veteran1Mailbox,
	Veteran2ICN: veteran2Mailbox,
	Veteran3ICN: veteran3Mailbox,
}

var veteran1Mailbox = []scriptThread{
	// Inbox.
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Refill request for lisinopril", daysAgo: 3.2, tags: []string{tagFollowUp}, msgs: []scriptMsg{
		v(0, "Hello, I'm down to about a week of my lisinopril 10 mg. Could you send a refill to my mail-order pharmacy? Thank you."),
		cu(5.5, whitfield, "Hi Jordan, your lisinopril refill was processed today and should arrive by mail in 7 to 10 days. If it hasn't arrived by then, please call the pharmacy refill line."),
	}},
	{team: "1013", cat: thread.CategoryAPPOINTMENTS, subject: "Question about my upcoming MRI", daysAgo: 6.4, msgs: []scriptMsg{
		v(0, "I have an MRI scheduled next month. Do I need to stop eating beforehand, and can I take my usual morning medications?"),
		c(20, bell, "Good questions. You can take your usual morning medications with a small sip of water. Please don't eat for 4 hours before the scan. I've attached the prep instructions from radiology.", "mri-prep-instructions.pdf"),
		vr(3, "Thank you, that helps a lot."),
	}},
	{team: "1016", cat: thread.CategoryTEST_RESULTS, subject: "Echocardiogram results", daysAgo: 9.1, tags: []string{tagImportant}, msgs: []scriptMsg{
		vr(0, "Dr. Okafor, were you able to review my echocardiogram from last week?"),
		cu(26, okafor, "Hi Jordan, I reviewed your echocardiogram. It looks stable compared with last year. We'll go over the details at your next visit; no changes are needed before then."),
	}},
	{team: "300100", cat: thread.CategoryAPPOINTMENTS, subject: "Reschedule my annual physical", daysAgo: 2.1, msgs: []scriptMsg{
		v(0, "I need to reschedule my annual physical. Are there any morning appointments available in the next few weeks?"),
		cu(6, tran, "We have openings on Tuesday the 14th at 9:30 AM and Thursday the 16th at 8:00 AM. Please reply with the time that works for you."),
		draft(30, "Tuesday the 14th at 9:30 AM works best for me. Thank you!"),
	}},
	{team: "1013", cat: thread.CategoryOTHER, subject: "Flu shot availability", daysAgo: 12.3, msgs: []scriptMsg{
		vr(0, "Is the flu shot available yet at the Cheyenne clinic, and do I need an appointment?"),
		c(4, bell, "Flu shots are available now. You can walk in to the primary care clinic Monday through Friday, 8:00 AM to 3:00 PM; no appointment needed."),
	}},
	{team: "300101", cat: thread.CategoryMEDICATIONS, subject: "Metformin refill status", daysAgo: 15.6, msgs: []scriptMsg{
		v(0, "I requested a refill of my metformin last week but haven't received a shipping notice. Can you check the status?"),
		c(7, kim, "Your metformin shipped yesterday. You should receive it within 5 business days."),
		v(2.5, "Got it, thanks for checking."),
	}},
	{team: "1013", cat: thread.CategoryCOVID, subject: "COVID-19 booster eligibility", daysAgo: 20.2, msgs: []scriptMsg{
		vr(0, "Am I due for an updated COVID-19 vaccine? My last one was about a year ago."),
		c(22, nair, "Yes, you're eligible for the updated COVID-19 vaccine. You can get it at any primary care walk-in clinic or at your next appointment."),
	}},
	{team: "1016", cat: thread.CategoryAPPOINTMENTS, subject: "Follow-up after stress test", daysAgo: 25.5, msgs: []scriptMsg{
		c(0, park, "Hello, this is the Cardiology Clinic. Dr. Okafor would like to see you for a follow-up visit after your stress test. Please let us know which days work for you."),
		vr(5, "Weekday mornings are best for me, any day except Friday."),
		cu(28, park, "You're scheduled for a follow-up visit on Wednesday at 10:00 AM. Please arrive 15 minutes early to check in."),
	}},
	{team: "1013", cat: thread.CategoryEDUCATION, subject: "Low-sodium diet resources", daysAgo: 30.4, tags: []string{tagFollowUp}, msgs: []scriptMsg{
		vr(0, "Dr. Nair, you mentioned a low-sodium diet at my last visit. Do you have any materials I could read?"),
		c(21, nair, "Of course. I've attached a guide from our nutrition team. You can also ask for a referral to a VA dietitian if you'd like one-on-one help.", "low-sodium-diet-guide.pdf"),
	}},
	{team: "300100", cat: thread.CategoryTEST_RESULTS, subject: "Lab results from last week", daysAgo: 33.3, msgs: []scriptMsg{
		v(0, "Could someone let me know if my lab results from last week came back?"),
		c(9, brooks, "Your lab results are back and are within normal range. You can also view them in your health record."),
	}},
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Side effects from atorvastatin", daysAgo: 38.6, tags: []string{tagImportant}, msgs: []scriptMsg{
		vr(0, "Since starting atorvastatin I've had some mild muscle aches in my legs. Is that something to worry about?"),
		c(6, whitfield, "Mild muscle aches can happen with atorvastatin. I've let Dr. Nair know. Please don't stop the medication without talking to her first."),
		vr(3, "Okay, thank you. I'll keep taking it for now."),
		c(20, whitfield, "Dr. Nair would like to check a blood test at your next visit. If the aches get worse or you notice dark urine, call the clinic right away."),
	}},
	{team: "1015", cat: thread.CategoryOTHER, subject: "Request for copy of medical records", daysAgo: 40.2, msgs: []scriptMsg{
		vr(0, "I'd like a copy of my records from the last two years for a new community care provider."),
		c(27, morales, "We received your request. Please complete and return the attached release form so we can send the records to your provider.", "records-request-form.pdf"),
	}},
	{team: "1013", cat: thread.CategoryOTHER, subject: "Blood pressure readings", daysAgo: 44.1, msgs: []scriptMsg{
		vr(0, "As requested, I've attached my home blood pressure log for the past two weeks.", "blood-pressure-log.txt"),
		c(18, nair, "Thank you for sending these. Your readings look much better. Please keep logging them and bring the log to your next visit."),
	}},
	{team: "1017", cat: thread.CategoryAPPOINTMENTS, subject: "Hearing aid battery replacement", daysAgo: 100.3, msgs: []scriptMsg{
		v(0, "How do I order replacement batteries for my hearing aids?"),
		c(23, holloway, "You can order hearing aid batteries online through the VA batteries and accessories page, or call the Denver Logistics Center."),
	}},
	{team: "300100", cat: thread.CategoryOTHER, subject: "Referral to physical therapy", daysAgo: 50.5, msgs: []scriptMsg{
		v(0, "My knee has been bothering me since my last visit. Could I get a referral to physical therapy?"),
		c(10, brooks, "I've placed a referral to physical therapy. They'll call you within two weeks to schedule your first visit."),
	}},
	{team: "1016", cat: thread.CategoryMEDICATIONS, subject: "Adjusting my metoprolol dose", daysAgo: 55.4, msgs: []scriptMsg{
		vr(0, "I've been feeling tired in the afternoons. Could my metoprolol dose be part of the reason?"),
		c(25, okafor, "It's possible. Let's keep the current dose until your follow-up, and please track how you feel each afternoon so we can review it together."),
	}},
	{team: "1013", cat: thread.CategoryAPPOINTMENTS, subject: "Telehealth appointment link", daysAgo: 60.3, msgs: []scriptMsg{
		c(0, bell, "Your video visit with Dr. Nair is on Monday at 1:00 PM. You'll receive a link by email 30 minutes before the appointment."),
		vr(4, "Thanks. Do I need to download anything before the visit?"),
		c(2, bell, "You can join from a web browser on your computer or download VA Video Connect on your phone. No other software is needed."),
		vr(1.5, "Perfect, thank you."),
	}},
	{team: "300101", cat: thread.CategoryMEDICATIONS, subject: "Prescription transfer to Spokane", daysAgo: 65.2, msgs: []scriptMsg{
		v(0, "I'm spending the summer near Spokane. Can my prescriptions be filled at the Mann-Grandstaff pharmacy?"),
		c(8, kim, "Yes. We've set up your active prescriptions here. Request refills as usual and choose pickup at Spokane if you'd like."),
	}},
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Mail-order pharmacy address change", daysAgo: 70.6, msgs: []scriptMsg{
		vr(0, "I moved recently. How do I update my mailing address for prescriptions?"),
		c(5, whitfield, "You can update your address in your VA.gov profile. Once it's updated, all future mail-order prescriptions will go to the new address."),
	}},
	{team: "1013", cat: thread.CategoryTEST_RESULTS, subject: "A1C test results", daysAgo: 75.1, msgs: []scriptMsg{
		vr(0, "Could you tell me my most recent A1C result?"),
		c(19, nair, "Your A1C improved since your last test. Keep up the good work with diet and exercise; we'll recheck it in three months."),
	}},
	{team: "1016", cat: thread.CategoryEDUCATION, subject: "Cardiac rehab program information", daysAgo: 80.5, msgs: []scriptMsg{
		c(0, park, "Dr. Okafor has referred you to our cardiac rehabilitation program. The attached schedule lists the group session times.", "cardiac-rehab-schedule.pdf"),
		vr(6, "Can I attend the Tuesday and Thursday afternoon sessions?"),
		c(20, park, "Yes, you're enrolled in the Tuesday and Thursday 2:00 PM sessions starting next week."),
	}},
	{team: "300100", cat: thread.CategoryCOVID, subject: "COVID test before procedure", daysAgo: 85.2, msgs: []scriptMsg{
		v(0, "Do I need a COVID test before my colonoscopy next week?"),
		c(11, tran, "No COVID test is needed before your procedure, but please call us if you have any symptoms that day."),
	}},
	{team: "1013", cat: thread.CategoryOTHER, subject: "Updating my emergency contact", daysAgo: 95.4, msgs: []scriptMsg{
		vr(0, "I'd like to update my emergency contact information. Can that be done through messaging?"),
		c(24, bell, "Emergency contacts can be updated in your VA.gov profile or at the front desk at your next visit."),
	}},
	{team: "1014", cat: thread.CategoryEDUCATION, subject: "Using the new inhaler", daysAgo: 110.2, msgs: []scriptMsg{
		vr(0, "My new inhaler looks different from the old one. How should I use it?"),
		c(7, whitfield, "Here's a picture of the correct technique. Shake it, breathe out fully, then press and breathe in slowly. Call us if you'd like a demonstration.", "inhaler-technique.png"),
	}},
	{team: "1013", cat: thread.CategoryAPPOINTMENTS, subject: "Missed appointment call", daysAgo: 0.8, msgs: []scriptMsg{
		cu(0, bell, "We tried to reach you by phone today about your upcoming appointment. Please call the clinic or reply here when you have a moment."),
	}},

	// Sent: the care team hasn't answered yet.
	{team: "1013", cat: thread.CategoryOTHER, subject: "Question about travel pay", daysAgo: 4.3, msgs: []scriptMsg{
		vr(0, "Am I eligible for travel pay for my primary care visits? I drive about 60 miles each way."),
	}},
	{team: "1016", cat: thread.CategoryAPPOINTMENTS, subject: "Need to cancel cardiology visit", daysAgo: 8.2, msgs: []scriptMsg{
		vr(0, "I need to cancel my cardiology visit next Monday because of a family commitment. Could we reschedule for later in the month?"),
	}},
	{team: "300100", cat: thread.CategoryMEDICATIONS, subject: "Question about vitamin D supplement", daysAgo: 11.5, msgs: []scriptMsg{
		v(0, "Should I keep taking my vitamin D supplement over the summer?"),
	}},
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Refill request for albuterol inhaler", daysAgo: 14.1, msgs: []scriptMsg{
		vr(0, "Please refill my albuterol inhaler. I have one left."),
	}},
	{team: "1013", cat: thread.CategoryEDUCATION, subject: "Sleep hygiene handout request", daysAgo: 28.7, msgs: []scriptMsg{
		v(0, "Could you send me the handout on sleep habits we talked about?"),
	}},
	{team: "300101", cat: thread.CategoryMEDICATIONS, subject: "Pill organizer request", daysAgo: 47.3, msgs: []scriptMsg{
		v(0, "Is it possible to get a weekly pill organizer from the pharmacy?"),
	}},
	{team: "1015", cat: thread.CategoryOTHER, subject: "Authorization to release records", daysAgo: 58.4, msgs: []scriptMsg{
		vr(0, "Attached is my signed authorization to release records to my community care provider.", "release-authorization.pdf"),
	}},
	{team: "1013", cat: thread.CategoryAPPOINTMENTS, subject: "Parking at the medical center", daysAgo: 90.6, msgs: []scriptMsg{
		vr(0, "Is there accessible parking near the primary care entrance?"),
		vr(30, "Following up on my question about accessible parking. Thank you."),
	}},

	// Drafts: a new message not sent yet.
	{team: "1016", cat: thread.CategoryAPPOINTMENTS, subject: "Questions before my next visit", daysAgo: 0.25, msgs: []scriptMsg{
		draft(0, "Before my next visit I wanted to ask about"),
	}},

	// Trash.
	{team: "1013", cat: thread.CategoryOTHER, subject: "Newsletter sign-up question", folder: folderTrash, daysAgo: 35.2, msgs: []scriptMsg{
		v(0, "How do I sign up for the clinic's health newsletter?"),
		c(20, bell, "You can subscribe to the newsletter on the Cheyenne VA health care website."),
	}},
	{team: "300100", cat: thread.CategoryAPPOINTMENTS, subject: "Duplicate: reschedule request", folder: folderTrash, daysAgo: 42.5, msgs: []scriptMsg{
		v(0, "Sorry, please ignore this message; I sent my reschedule request twice."),
	}},
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Wrong pharmacy selected", folder: folderTrash, daysAgo: 68.3, msgs: []scriptMsg{
		vr(0, "I picked the wrong pharmacy for my last refill. Can you change it to mail order?"),
		c(4, whitfield, "No problem, we've changed it to mail order."),
	}},
	{team: "1013", cat: thread.CategoryCOVID, subject: "COVID vaccine record copy", folder: folderTrash, daysAgo: 105.1, msgs: []scriptMsg{
		v(0, "Could I get a copy of my COVID vaccine record?"),
		c(26, nair, "Your vaccine record is attached. You can also download it from your health record at any time.", "vaccine-record.pdf"),
	}},
	{team: "1016", cat: thread.CategoryOTHER, subject: "Checking that messaging works", folder: folderTrash, daysAgo: 118.4, msgs: []scriptMsg{
		v(0, "This is a test to make sure messages reach the clinic."),
		c(3, park, "We received your message. You're all set."),
	}},

	// Travel Claims (custom folder).
	{team: "1013", cat: thread.CategoryOTHER, subject: "Beneficiary travel reimbursement", folder: folderTravelClaims, daysAgo: 16.3, tags: []string{tagFollowUp}, msgs: []scriptMsg{
		vr(0, "I've attached my parking receipt from my last appointment. How do I file it with my travel claim?", "parking-receipt.png"),
		c(22, bell, "You can file travel claims online through the Beneficiary Travel Self Service System. Keep the receipt and upload it with your claim."),
	}},
	{team: "300100", cat: thread.CategoryOTHER, subject: "Mileage claim for clinic visit", folder: folderTravelClaims, daysAgo: 52.2, msgs: []scriptMsg{
		v(0, "Here is my mileage log for the clinic visit. Is this enough for my claim?", "mileage-log.txt"),
		c(12, tran, "Yes, that's all we need. The travel office will process your claim within 30 days."),
	}},
	{team: "1016", cat: thread.CategoryOTHER, subject: "Travel claim status", folder: folderTravelClaims, daysAgo: 72.4, tags: []string{tagImportant}, msgs: []scriptMsg{
		vr(0, "I submitted a travel claim for my cardiology visit a month ago. Do you know its status?"),
		c(24, park, "I checked with the travel office. Your claim was approved and payment is being processed."),
		vr(2, "Great, thank you!"),
		c(3, park, "You're welcome. Payment usually arrives by direct deposit within 5 business days."),
	}},
	{team: "1013", cat: thread.CategoryOTHER, subject: "Lodging for early appointment", folder: folderTravelClaims, daysAgo: 88.2, msgs: []scriptMsg{
		vr(0, "My procedure is at 7 AM and I live 3 hours away. Is lodging available the night before?"),
		c(21, bell, "You may qualify for overnight lodging. The attached sheet explains the policy and how to request a room.", "lodging-policy.pdf"),
	}},
}

var veteran2Mailbox = []scriptThread{
	{team: "1013", cat: thread.CategoryAPPOINTMENTS, subject: "Rescheduling my primary care visit", daysAgo: 3.4, msgs: []scriptMsg{
		vr(0, "I need to move my primary care visit to the following week. What times are open?"),
		cu(8, bell, "We have Monday at 2:00 PM or Wednesday at 10:30 AM. Let us know which one you'd like."),
	}},
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Refill request for metformin", daysAgo: 7.2, tags: []string{tagFollowUp}, msgs: []scriptMsg{
		vr(0, "Please refill my metformin 500 mg."),
		c(5, whitfield, "Your refill has been sent to the mail-order pharmacy."),
		vr(1, "Thank you."),
	}},
	{team: "1018", cat: thread.CategoryAPPOINTMENTS, subject: "Group therapy schedule", daysAgo: 12.6, msgs: []scriptMsg{
		c(0, haddad, "Our new skills group starts next month. Would you like to join the Tuesday evening session?"),
		vr(20, "Yes, please sign me up for Tuesday evenings."),
		cu(6, haddad, "You're signed up. The first session is on the 3rd at 5:30 PM in Building 2."),
	}},
	{team: "1019", cat: thread.CategoryOTHER, subject: "Question about the new health record", daysAgo: 20.1, msgs: []scriptMsg{
		vr(0, "I got a letter that Anchorage is changing to a new health record system. Will I still be able to message my care team?"),
		c(9, svensson, "Yes. During the switch, messaging will be paused for a few weeks. We'll let you know when you can send messages again. For urgent needs, please call the clinic."),
	}},
	{team: "1015", cat: thread.CategoryOTHER, subject: "Records request for disability claim", daysAgo: 30.3, msgs: []scriptMsg{
		vr(0, "I need copies of my treatment records to support a disability claim."),
		c(30, morales, "We've received your request. The attached form lists the records we'll send; please review it and let us know if anything is missing.", "records-summary.pdf"),
	}},
	{team: "1013", cat: thread.CategoryTEST_RESULTS, subject: "Cholesterol results", daysAgo: 60.5, msgs: []scriptMsg{
		v(0, "Are my cholesterol results back from last week?"),
		c(16, nair, "Your cholesterol results are back and look good. No changes to your medications are needed."),
	}},
	{team: "1014", cat: thread.CategoryMEDICATIONS, subject: "Question about generic medications", daysAgo: 5.5, msgs: []scriptMsg{
		vr(0, "My refill came in a different color than usual. Is it the same medication?"),
	}},
	{team: "1018", cat: thread.CategoryEDUCATION, subject: "Stress management resources", daysAgo: 18.2, msgs: []scriptMsg{
		v(0, "Do you have any apps or resources for stress management that you recommend?"),
	}},
	{team: "1013", cat: thread.CategoryOTHER, subject: "Duplicate message", folder: folderTrash, daysAgo: 40.1, msgs: []scriptMsg{
		v(0, "Please disregard; I sent this message by mistake."),
	}},
}

var veteran3Mailbox = []scriptThread{
	{team: "300102", cat: thread.CategoryAPPOINTMENTS, subject: "Annual wellness exam", daysAgo: 2.3, tags: []string{tagImportant}, msgs: []scriptMsg{
		v(0, "I'd like to schedule my annual wellness exam. Are there any Friday appointments?"),
		cu(7, cruz, "We have a Friday appointment on the 21st at 11:00 AM. Would you like us to book it?"),
	}},
	{team: "300200", cat: thread.CategoryAPPOINTMENTS, subject: "Physical therapy exercises", daysAgo: 6.5, msgs: []scriptMsg{
		v(0, "I lost the sheet with my home exercises. Could you send it again?"),
		c(4, lawson, "Here's your home exercise program. Try to do the exercises once a day.", "home-exercise-program.pdf"),
		v(2, "Got it, thank you!"),
	}},
	{team: "300101", cat: thread.CategoryMEDICATIONS, subject: "Refill request for meloxicam", daysAgo: 10.2, msgs: []scriptMsg{
		v(0, "Please refill my meloxicam prescription."),
		cu(22, kim, "Your meloxicam refill is ready for pickup at the Spokane pharmacy window."),
	}},
	{team: "300100", cat: thread.CategoryCOVID, subject: "COVID vaccine appointment", daysAgo: 22.4, msgs: []scriptMsg{
		v(0, "Can I get my COVID vaccine at the same time as my flu shot?"),
		c(6, brooks, "Yes, you can get both vaccines at the same visit."),
	}},
	{team: "300102", cat: thread.CategoryTEST_RESULTS, subject: "Mammogram results", daysAgo: 48.3, msgs: []scriptMsg{
		c(0, cruz, "Your recent mammogram results are normal. We'll see you for your next screening in one year."),
	}},
	{team: "300200", cat: thread.CategoryOTHER, subject: "Knee brace fitting", daysAgo: 4.6, msgs: []scriptMsg{
		v(0, "Attached is a photo of the receipt for my knee brace. Do I need to bring the brace to my next session?", "knee-brace-receipt.png"),
	}},
	{team: "300100", cat: thread.CategoryOTHER, subject: "Updating my phone number", daysAgo: 26.2, msgs: []scriptMsg{
		v(0, "I have a new phone number. Can you update it in my record?"),
	}},
	{team: "300101", cat: thread.CategoryMEDICATIONS, subject: "Question about pain medication", daysAgo: 1.1, msgs: []scriptMsg{
		draft(0, "I wanted to ask whether I can take acetaminophen with"),
	}},
	{team: "300100", cat: thread.CategoryOTHER, subject: "Test message", folder: folderTrash, daysAgo: 70.4, msgs: []scriptMsg{
		v(0, "Testing secure messaging."),
		c(5, tran, "We received your test message."),
	}},
}
