package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// nameRegion is a naming tradition: first names are paired with last names of the
// same tradition, so generated names read like real people's.
type nameRegion struct {
	share       float64
	first, last []string
}

var nameRegions = []nameRegion{
	{share: 30, // north and central India
		first: []string{"Aarav", "Abhishek", "Aditya", "Ajay", "Akash", "Alok", "Amit", "Anand", "Anjali", "Ankit", "Ankita", "Anuj",
			"Arti", "Ashok", "Deepak", "Deepika", "Divya", "Gaurav", "Geeta", "Harish", "Jyoti", "Kavita", "Kiran", "Manish",
			"Manoj", "Meena", "Mohit", "Neha", "Nitin", "Pankaj", "Pooja", "Pradeep", "Prakash", "Priya", "Rahul", "Rajesh",
			"Rakesh", "Ravi", "Rekha", "Ritu", "Rohit", "Sanjay", "Sapna", "Sarita", "Shalini", "Shweta", "Sunil", "Sunita",
			"Swati", "Vikas", "Vinod", "Vivek", "Yogesh", "Gurpreet", "Harpreet", "Jaspreet", "Manpreet", "Navjot", "Simran", "Amandeep"},
		last: []string{"Sharma", "Verma", "Gupta", "Singh", "Yadav", "Mishra", "Tiwari", "Pandey", "Srivastava", "Chauhan",
			"Rathore", "Agarwal", "Saxena", "Tripathi", "Dubey", "Shukla", "Chaudhary", "Rawat", "Bisht", "Negi", "Thakur",
			"Jain", "Goel", "Bansal", "Malhotra", "Kapoor", "Khanna", "Sethi", "Arora", "Gill", "Sandhu", "Dhillon", "Grewal", "Meena"}},
	{share: 14, // west India
		first: []string{"Aditi", "Amol", "Ashwini", "Bhavna", "Chetan", "Dhaval", "Dhruv", "Gauri", "Hardik", "Hemant", "Hetal",
			"Jignesh", "Ketan", "Komal", "Kunal", "Mansi", "Mayur", "Nilesh", "Niraj", "Pallavi", "Parth", "Prajakta", "Rutuja",
			"Sachin", "Sagar", "Sameer", "Shraddha", "Snehal", "Sujata", "Tejas", "Urmila", "Vaibhav", "Vrushali", "Yash"},
		last: []string{"Patil", "Deshpande", "Kulkarni", "Joshi", "Jadhav", "Pawar", "Shinde", "Gaikwad", "More", "Deshmukh",
			"Bhosale", "Kale", "Patel", "Shah", "Mehta", "Desai", "Parikh", "Trivedi", "Bhatt", "Vyas", "Chavda", "Solanki",
			"Naik", "Kamat", "Sawant"}},
	{share: 22, // south India
		first: []string{"Anjana", "Arjun", "Arun", "Aswathy", "Balaji", "Chaitanya", "Deepa", "Ganesh", "Gayathri", "Hari",
			"Harika", "Karthik", "Kavya", "Krishna", "Lakshmi", "Madhavi", "Manjunath", "Meenakshi", "Murali", "Naveen",
			"Nithya", "Padma", "Prasad", "Preethi", "Raghav", "Rajeev", "Ramesh", "Revathi", "Sandeep", "Santhosh", "Saranya",
			"Senthil", "Shankar", "Shruthi", "Siva", "Sowmya", "Sravani", "Sreeja", "Srikanth", "Srinivas", "Subramanian",
			"Suresh", "Swathi", "Vani", "Venkatesh", "Vidya", "Vijay", "Vineeth"},
		last: []string{"Iyer", "Iyengar", "Nair", "Menon", "Pillai", "Kurup", "Reddy", "Rao", "Naidu", "Raju", "Gowda", "Hegde",
			"Shetty", "Bhat", "Krishnan", "Subramaniam", "Rajan", "Natarajan", "Sundaram", "Venkataraman", "Murthy", "Sastry",
			"Varma", "Chandran", "Kumar", "Prabhu", "Acharya"}},
	{share: 14, // east India
		first: []string{"Abhijit", "Ananya", "Anirban", "Arindam", "Arpita", "Bikash", "Biswajit", "Debashish", "Debjani",
			"Indrani", "Itishree", "Jagannath", "Joydeep", "Koushik", "Lipika", "Manas", "Moumita", "Partha", "Payel",
			"Prasanta", "Priyanka", "Rituparna", "Sagnik", "Sasmita", "Sayantani", "Smita", "Soumya", "Sourav", "Subhash",
			"Subrata", "Sudipta", "Sutapa", "Tanmoy", "Tanushree"},
		last: []string{"Chatterjee", "Banerjee", "Mukherjee", "Ghosh", "Bose", "Das", "Sen", "Dutta", "Roy", "Chakraborty",
			"Sarkar", "Bhattacharya", "Mitra", "Saha", "Mondal", "Pal", "Mohanty", "Patnaik", "Sahoo", "Panda", "Behera",
			"Nayak", "Pradhan", "Jena", "Rout", "Samal", "Swain", "Mahato", "Munda"}},
	{share: 5, // north-east India
		first: []string{"Bhupen", "Bitopan", "Dipankar", "Hiranya", "Jahnavi", "Kangkana", "Nilakshi", "Pallabi", "Pranjal",
			"Rupjyoti", "Thoiba", "Sanatombi", "Ibomcha", "Wanphrang", "Ibalari", "Temjen", "Akum", "Vikheho", "Lalremruata",
			"Lalthanpuii", "Tenzing", "Pema", "Dorjee", "Karma"},
		last: []string{"Gogoi", "Bora", "Baruah", "Saikia", "Hazarika", "Kalita", "Deka", "Phukan", "Sangma", "Marak", "Lyngdoh",
			"Kharbuli", "Syiemlieh", "Singha", "Haobam", "Konsam", "Longkumer", "Ao", "Jamir", "Sema", "Chishi", "Bhutia",
			"Lepcha", "Tamang", "Ralte", "Pachuau"}},
	{share: 10, // Muslim names, across India
		first: []string{"Aamir", "Afreen", "Ahmed", "Aisha", "Arshad", "Asif", "Ayesha", "Faisal", "Farhan", "Farida", "Imran",
			"Irfan", "Javed", "Mehnaz", "Mohammed", "Nadeem", "Nasreen", "Nazia", "Rizwan", "Rubina", "Saba", "Salman",
			"Sameena", "Sana", "Shabana", "Shahid", "Shoaib", "Tabassum", "Tariq", "Yasmin", "Zainab", "Zubair"},
		last: []string{"Khan", "Ansari", "Qureshi", "Siddiqui", "Hussain", "Sheikh", "Syed", "Ahmed", "Rizvi", "Naqvi",
			"Farooqui", "Mirza", "Pathan", "Abbasi", "Kazmi", "Wani", "Dar", "Lone", "Mir"}},
	{share: 5, // Christian names, mostly Kerala, Goa and Mangalore
		first: []string{"Agnes", "Anita", "Annie", "Benny", "Christopher", "Cyril", "Daisy", "Elizabeth", "Francis", "Jacob",
			"Jessy", "Joseph", "Leena", "Linda", "Maria", "Mary", "Merlin", "Nisha", "Paul", "Peter", "Philip", "Reena",
			"Rosamma", "Sabu", "Shiny", "Sonia", "Stephen", "Thomas", "Tony", "Vincent", "Wilson"},
		last: []string{"Thomas", "Joseph", "Mathew", "Kurian", "George", "Varghese", "Jacob", "Philip", "Abraham", "Chacko",
			"Cherian", "Fernandes", "D'Souza", "D'Cruz", "Pereira", "Rodrigues", "Lobo", "Pinto", "Gomes", "Dias", "Almeida",
			"Noronha"}},
}

// learnerMaker generates learners one at a time, so a million of them never sit in
// memory together.
type learnerMaker struct {
	rng        *rand.Rand
	orgs       []orgNode
	orgWeights []float64
	roles      map[string]int // role code -> index into roleSpecs
	// mainWeights[o] weighs roleSpecs as the main role of a learner in orgs[o].
	mainWeights  [][]float64
	regionShares []float64
	width        int // digits of the employee number
}

func newLearnerMaker(rng *rand.Rand, orgs []orgNode, total int) *learnerMaker {
	m := &learnerMaker{rng: rng, orgs: orgs, roles: map[string]int{}, width: max(7, len(fmt.Sprint(total)))}
	for _, o := range orgs {
		m.orgWeights = append(m.orgWeights, float64(o.staff))
	}
	for i, r := range roleSpecs {
		m.roles[r.code] = i
	}
	for _, o := range orgs {
		w := make([]float64, len(roleSpecs))
		for i, r := range roleSpecs {
			if r.ministry == "" || r.ministry == ministries[o.ministry].code {
				w[i] = r.share * seniority(o.rec.Type, r.code)
			}
		}
		m.mainWeights = append(m.mainWeights, w)
	}
	for _, r := range nameRegions {
		m.regionShares = append(m.regionShares, r.share)
	}
	return m
}

// learner returns the n-th learner (1-based).
func (m *learnerMaker) learner(n int) models.LearnerRecord {
	rng := m.rng
	oi := pick(rng, m.orgWeights)
	org := m.orgs[oi]
	main := roleSpecs[pick(rng, m.mainWeights[oi])]
	roleCodes := []string{main.code}
	if len(main.also) > 0 && rng.Float64() < 0.3 {
		roleCodes = append(roleCodes, main.also[rng.IntN(len(main.also))])
	}
	region := nameRegions[pick(rng, m.regionShares)]
	first := region.first[rng.IntN(len(region.first))]
	last := region.last[rng.IntN(len(region.last))]
	domain := "gov.in"
	if strings.HasPrefix(org.rec.Code, "MEITY-EGOV-NIC") || rng.Float64() < 0.15 {
		domain = "nic.in"
	}
	return models.LearnerRecord{
		EmployeeCode:     fmt.Sprintf("EMP%0*d", m.width, n),
		Name:             first + " " + last,
		Email:            fmt.Sprintf("%s.%s.%d@%s", emailPart(first), emailPart(last), n, domain),
		Designation:      main.name,
		OrganisationCode: org.rec.Code,
		RoleCodes:        roleCodes,
		HasRoles:         true,
	}
}

// seniority scales the share of senior secretariat roles: Joint Secretaries and
// Directors sit mostly in ministries and departments, few in field organisations.
func seniority(tier models.OrganisationType, role string) float64 {
	field := tier == models.OrgOrganisation
	switch {
	case role == "ROLE-JS" && field:
		return 0.2
	case role == "ROLE-JS":
		return 2
	case role == "ROLE-DIR" && field:
		return 0.5
	case role == "ROLE-DIR":
		return 1.5
	case role == "ROLE-DS" && field:
		return 0.6
	case role == "ROLE-DS":
		return 1.3
	}
	return 1
}

// emailPart lowercases a name and keeps only its letters ("D'Souza" -> "dsouza").
func emailPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return -1
	}, s)
}
