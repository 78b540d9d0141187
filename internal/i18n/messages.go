package i18n

// message is one message in each language; %[n]s takes the phrase's nth argument,
// so each language orders them as its grammar needs. Hindi sentences use the
// honorific plural (करते हैं), which Hindi reads as neither masculine nor feminine.
type message struct{ en, hi string }

// messages are the phrases the service generates, by key. The explanation's
// phrases each carry their own leading punctuation; "end" closes the sentence.
// Hindi quotes a course title (“…”): titles carry colons of their own.
var messages = map[string]message{
	"end": {".", "।"},

	// An item that adds nothing of its own, or stands for an earlier one.
	"rec.alternative":  {"An alternative to %[1]s above: also covers %[2]s", "ऊपर दिए गए “%[1]s” का विकल्प: यह भी %[2]s को शामिल करता है"},
	"rec.nothing_more": {"Adds nothing beyond the courses above", "ऊपर दिए गए पाठ्यक्रमों से अधिक कुछ नहीं जोड़ता"},
	// The competency it helps most: name, from, (no evidence), to.
	"rec.raises":      {"Raises %[1]s from level %[2]s%[3]s to %[4]s", "%[1]s को स्तर %[2]s%[3]s से स्तर %[4]s तक ले जाता है"},
	"rec.strengthens": {"Strengthens %[1]s at level %[2]s%[3]s", "स्तर %[2]s%[3]s पर %[1]s को सुदृढ़ करता है"},
	"rec.assumed_role": {" (no evidence yet: estimated from people in your role)",
		" (अभी कोई साक्ष्य नहीं: आपकी भूमिका वाले लोगों के आधार पर अनुमानित)"},
	"rec.assumed_other": {" (no evidence yet: estimated from people whose roles do not require it)",
		" (अभी कोई साक्ष्य नहीं: उन लोगों के आधार पर अनुमानित जिनकी भूमिकाओं में इसकी आवश्यकता नहीं है)"},
	"rec.interest":     {", one of your learning interests", ", जो आपकी सीखने की रुचियों में से एक है"},
	"rec.required":     {", required %[1]s", ", आवश्यक स्तर %[1]s"},
	"rec.required_for": {", required %[1]s for %[2]s", ", %[2]s के लिए आवश्यक स्तर %[1]s"},
	// What else it helps with.
	"rec.also":          {"; also %[1]s", "; साथ ही %[1]s"},
	"rec.also_more":     {"; also %[1]s and %[2]s more", "; साथ ही %[1]s और %[2]s अन्य"},
	"rec.also_interest": {" (%[1]s is one of your learning interests)", " (%[1]s आपकी सीखने की रुचियों में से एक है)"},
	"rec.covered_like":  {"; also covers %[1]s, like %[2]s above", "; ऊपर दिए गए “%[2]s” की तरह यह भी %[1]s को शामिल करता है"},
	// Its rating: the mean, by how many.
	"rec.rated_one":  {"; rated %[1]s by %[2]s learner", "; %[2]s शिक्षार्थी ने इसे %[1]s की रेटिंग दी"},
	"rec.rated_many": {"; rated %[1]s by %[2]s learners", "; %[2]s शिक्षार्थियों ने इसे औसतन %[1]s की रेटिंग दी"},
	// A learner with no role (a cold start): what the list is measured against.
	"rec.basis_designation": {"; you hold no role yet, so this is measured against the roles held by others with your designation (%[1]s) in %[2]s",
		"; आपकी अभी कोई भूमिका नहीं है, इसलिए यह %[2]s में आपके पदनाम (%[1]s) वाले अन्य लोगों की भूमिकाओं के आधार पर आँका गया है"},
	"rec.basis_organisation": {"; you hold no role yet, so this is measured against the most common needs of %[1]s",
		"; आपकी अभी कोई भूमिका नहीं है, इसलिए यह %[1]s की सबसे आम आवश्यकताओं के आधार पर आँका गया है"},
}

// levelNamesHi are models.LevelNames in Hindi.
var levelNamesHi = [5]string{"आधारभूत", "मध्यवर्ती", "दक्ष", "उन्नत", "विशेषज्ञ"}

// levelDescriptorsHi are models.GenericLevelDescriptors in Hindi.
var levelDescriptorsHi = [5]string{
	"%s की बुनियादी अवधारणाओं को जानते हैं और मार्गदर्शन के साथ उन्हें नियमित कार्यों में लागू करते हैं।",
	"परिचित परिस्थितियों में %s को स्वतंत्र रूप से लागू करते हैं।",
	"जटिल परिस्थितियों में %s को लागू करते हैं और सहकर्मियों का मार्गदर्शन करते हैं।",
	"पूरे संगठन में %s की कार्यप्रणाली को दिशा देते हैं और नई परिस्थितियों को संभालते हैं।",
	"%s के क्षेत्र में प्रामाणिक विशेषज्ञ के रूप में जाने जाते हैं और संगठन से आगे की दिशा तय करते हैं।",
}
