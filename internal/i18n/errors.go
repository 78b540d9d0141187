package i18n

import (
	"fmt"
	"regexp"
)

// Error returns an error's message in lang; code is its extensions.code, which
// stays the same in every language (clients branch on it, never on the text).
// English is the message as it is. Hindi is the catalogue's translation of the
// whole message, or of its pattern ("course not found"); a message the
// catalogue lacks (most carry values: a field's limits, a date) gets the Hindi
// for its kind of error, by code, with the English message after it in
// brackets, so the detail is never lost.
func (l Lang) Error(code, message string) string {
	if l != Hindi {
		return message
	}
	if hi, ok := errorsHi[message]; ok {
		return hi
	}
	if m := notFound.FindStringSubmatch(message); m != nil {
		if hi, ok := notFoundHi[m[1]]; ok {
			return hi
		}
	}
	for _, p := range errorPatternsHi {
		if m := p.re.FindStringSubmatch(message); m != nil {
			args := make([]any, len(m)-1)
			for i, a := range m[1:] {
				args[i] = a
			}
			if p.enum {
				return enumHi(m[1], m[2])
			}
			return fmt.Sprintf(p.hi, args...)
		}
	}
	kind, ok := errorKindsHi[code]
	if !ok {
		kind = "त्रुटि"
	}
	return kind + " (" + message + ")"
}

var notFound = regexp.MustCompile(`^([a-z ]+) not found$`)

// errorPatternsHi are the validation messages that carry values, in Hindi: the
// pattern's groups fill the Hindi in order (enum: the list of allowed values).
var errorPatternsHi = []struct {
	re   *regexp.Regexp
	hi   string
	enum bool
}{
	{re: regexp.MustCompile(`^must be at most (\d+) characters$`), hi: "अधिकतम %s वर्ण होने चाहिए"},
	{re: regexp.MustCompile(`^must be between (\S+) and (\S+)$`), hi: "%s और %s के बीच होना चाहिए"},
	{re: regexp.MustCompile(`^must be greater than 0 and at most (\S+)$`), hi: "0 से अधिक और अधिकतम %s होना चाहिए"},
	{re: regexp.MustCompile(`^must be ([A-Z_]+(?:, [A-Z_]+)*) or ([A-Z_]+)$`), enum: true},
	{re: regexp.MustCompile(`^the next attempt may start only at (\S+)$`), hi: "अगला प्रयास %s से पहले शुरू नहीं हो सकता"},
	{re: regexp.MustCompile(`^answer (\d+): the item is not a question of this assessment$`), hi: "उत्तर %s: यह प्रश्न इस मूल्यांकन का नहीं है"},
	{re: regexp.MustCompile(`^answer (\d+): the item is answered twice$`), hi: "उत्तर %s: इस प्रश्न का उत्तर दो बार दिया गया है"},
	{re: regexp.MustCompile(`^answer (\d+): choice must be between (\d+) and (\d+)$`), hi: "उत्तर %s: विकल्प %s और %s के बीच होना चाहिए"},
}

// enumHi says a value must be one of those listed ("A, B" and "C").
func enumHi(list, last string) string {
	return list + " या " + last + " में से एक होना चाहिए"
}

// errorKindsHi are the kinds of error, by extensions.code, for messages the
// catalogue does not translate whole.
var errorKindsHi = map[string]string{
	"BAD_USER_INPUT":      "अमान्य इनपुट",
	"NOT_FOUND":           "नहीं मिला",
	"CONFLICT":            "अनुरोध वर्तमान स्थिति से मेल नहीं खाता",
	"FORBIDDEN":           "अनुमति नहीं है",
	"UNAUTHENTICATED":     "साइन इन आवश्यक है",
	"RATE_LIMITED":        "बहुत अधिक अनुरोध",
	"INTERNAL":            "आंतरिक त्रुटि",
	"TIMEOUT":             "समय सीमा समाप्त",
	"SERVICE_UNAVAILABLE": "सेवा अस्थायी रूप से उपलब्ध नहीं है",
}

// errorsHi are whole messages in Hindi, by their English.
var errorsHi = map[string]string{
	"internal error": "आंतरिक त्रुटि",
	"the change conflicts with existing data; try again":                 "यह बदलाव मौजूदा डेटा से टकराता है; फिर से प्रयास करें",
	"the service is temporarily unavailable; try again in a few seconds": "सेवा अस्थायी रूप से उपलब्ध नहीं है; कुछ सेकंड बाद फिर से प्रयास करें",
	"the request took too long and was stopped":                          "अनुरोध में बहुत अधिक समय लगा, इसलिए उसे रोक दिया गया",
	"sign in required":                                                                       "साइन इन करना आवश्यक है",
	"invalid or expired token":                                                               "टोकन अमान्य है या उसकी अवधि समाप्त हो चुकी है",
	"invalid or expired code":                                                                "कोड अमान्य है या उसकी अवधि समाप्त हो चुकी है",
	"the token has expired; sign in again and resubscribe":                                   "टोकन की अवधि समाप्त हो चुकी है; फिर से साइन इन करें और दोबारा सदस्यता लें",
	"too many sign-in codes requested; try again later":                                      "बहुत अधिक साइन-इन कोड माँगे गए हैं; कुछ समय बाद फिर से प्रयास करें",
	"too many requests; slow down":                                                           "बहुत अधिक अनुरोध; कृपया गति धीमी करें",
	"not allowed for your access role":                                                       "आपकी पहुँच भूमिका के लिए इसकी अनुमति नहीं है",
	"you do not administer that organisation":                                                "आप उस संगठन के प्रशासक नहीं हैं",
	"the learner is already enrolled in this course":                                         "शिक्षार्थी इस पाठ्यक्रम में पहले से नामांकित है",
	"the item was answered already":                                                          "इस प्रश्न का उत्तर पहले ही दिया जा चुका है",
	"give either the learner's answers or, as a content provider, a score":                   "या तो शिक्षार्थी के उत्तर भेजें, या सामग्री प्रदाता के रूप में अंक",
	"only the course's content provider reports a score; a learner gives answers":            "अंक केवल पाठ्यक्रम का सामग्री प्रदाता भेज सकता है; शिक्षार्थी उत्तर देते हैं",
	"the course has no final assessment with questions":                                      "इस पाठ्यक्रम के अंतिम मूल्यांकन में कोई प्रश्न नहीं है",
	"the course does not impart this competency":                                             "यह पाठ्यक्रम यह दक्षता नहीं सिखाता",
	"must not be empty":                                                                      "खाली नहीं होना चाहिए",
	"is not valid UTF-8":                                                                     "मान्य UTF-8 नहीं है",
	"must not contain NUL characters":                                                        "इसमें NUL वर्ण नहीं होने चाहिए",
	"must be 1 to 64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit": "1 से 64 तक अक्षर, अंक, '.', '_', '/' या '-' होने चाहिए, जिनकी शुरुआत किसी अक्षर या अंक से हो",
}

// notFoundHi are "<kind> not found" (models.NotFound) in Hindi, by kind.
var notFoundHi = map[string]string{
	"organisation":    "संगठन नहीं मिला",
	"competency":      "दक्षता नहीं मिली",
	"role":            "भूमिका नहीं मिली",
	"course":          "पाठ्यक्रम नहीं मिला",
	"learner":         "शिक्षार्थी नहीं मिला",
	"plan":            "योजना नहीं मिली",
	"enrolment":       "नामांकन नहीं मिला",
	"certificate":     "प्रमाणपत्र नहीं मिला",
	"evidence":        "साक्ष्य नहीं मिला",
	"batch":           "बैच नहीं मिला",
	"session":         "सत्र नहीं मिला",
	"event":           "कार्यक्रम नहीं मिला",
	"learning event":  "शिक्षण कार्यक्रम नहीं मिला",
	"registration":    "पंजीकरण नहीं मिला",
	"attempt":         "प्रयास नहीं मिला",
	"item":            "प्रश्न नहीं मिला",
	"assessment item": "मूल्यांकन प्रश्न नहीं मिला",
	"seat request":    "सीट अनुरोध नहीं मिला",
}
