package d

func f() {
	_ = 7 // want "lucky"
	_ = 7 //knoxvet:ignore KNX101 seven is fine here
	//knoxvet:ignore KNX101 the next line is fine
	_ = 7

	// want +1 "unused knoxvet:ignore directive for KNX101"
	//knoxvet:ignore KNX101 nothing on the next line is reported
	_ = 8

	// want +1 "unused knoxvet:ignore directive for KNX101"
	_ = 8 //knoxvet:ignore KNX101 a trailing directive covers only its own line
	_ = 7 // want "lucky"

	// want +1 "missing reason"
	//knoxvet:ignore KNX101
	_ = 7 // want "lucky"

	// want +1 "missing reason"
	//knoxvet:ignore KNX101 --
	_ = 7 // want "lucky"

	//knoxvet:ignore KNX101 -- separators before the reason are allowed
	_ = 7

	//knoxvet:ignore	KNX101	tabs separate words too
	_ = 7

	// want +1 "unknown knoxvet directive \"\""
	//knoxvet:
	_ = 8

	// want +1 `"KNX1" is not a rule ID`
	//knoxvet:ignore KNX1 reason
	_ = 7 // want "lucky"

	// want +1 "no rule ID"
	//knoxvet:ignore
	_ = 7 // want "lucky"

	// want +1 "unknown knoxvet directive \"ignroe\""
	//knoxvet:ignroe KNX101 typo
	_ = 7 // want "lucky"

	// want +1 "unknown rule KNX199"
	//knoxvet:ignore KNX199 a typo for KNX101
	_ = 7 // want "lucky"

	// Another analyzer's rule is not ours to judge: neither used nor reported.
	//knoxvet:ignore KNX102 belongs to someone else
	_ = 7 // want "lucky"

	// Malformed directives for other analyzers' rules are theirs to report.
	//knoxvet:ignore KNX102
	_ = 9

	_ = 7 //knoxvet:ignore KNX102,KNX101 a list of rules works

	//knoxvet:enforce
	_ = 9 // want "enforced"
	_ = 9

	// want +1 "enforced"
	_ = 9 //knoxvet:enforce
}
