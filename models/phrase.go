package models

// Phrase is text the service generates (a recommendation's explanation, a part
// of one), kept as a message key and its arguments rather than as English, so
// that it is cached once and rendered in each reader's language (internal/i18n
// holds the messages). The key names a message; its arguments fill it in order.
type Phrase struct {
	Key  string      `json:"k"`
	Args []PhraseArg `json:"a,omitempty"`
}

// PhraseArg is one argument of a Phrase: text such as a name or a number, with its
// Hindi form when the catalogue has one, or, when Key is set, another message.
type PhraseArg struct {
	Text string `json:"t,omitempty"`
	Hi   string `json:"hi,omitempty"` // the text in Hindi; "": Text stands
	Key  string `json:"k,omitempty"`
}

// Say returns the phrase of key with text arguments (names in one language, numbers).
func Say(key string, args ...string) Phrase {
	p := Phrase{Key: key}
	for _, a := range args {
		p.Args = append(p.Args, PhraseArg{Text: a})
	}
	return p
}
