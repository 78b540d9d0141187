package seed

import "github.com/openkarmayogi/karmayogi/models"

// ministry is one ministry of the Government of India with the departments and
// organisations under it, the domain it governs (its DOMAIN competencies) and the
// training institutes that teach that domain.
type ministry struct {
	code, name string
	staff      int // relative head count of the ministry's own secretariat
	units      []unit
	domainKey  string // "FIN" in "DOM-FIN-001"
	area       string // Area of its domain competencies
	domain     []domainCompetency
}

// unit is a department or an organisation; a unit's code is its parent's code, a
// hyphen and its own suffix, so codes stay short and stable.
type unit struct {
	suffix, name string
	staff        int
	children     []unit
}

// domainCompetency is a DOMAIN competency of a ministry.
type domainCompetency struct {
	name, description string
}

// ministries is the organisation tree. The store keeps the tiers strict (an
// organisation's parent is a department or an organisation), so ministries without
// departments of their own have their real wings or divisions at the department tier.
var ministries = []ministry{
	{
		code: "MOF", name: "Ministry of Finance", staff: 40,
		units: []unit{
			{suffix: "DEA", name: "Department of Economic Affairs", staff: 60},
			{suffix: "DOE", name: "Department of Expenditure", staff: 60, children: []unit{
				{suffix: "CGA", name: "Office of the Controller General of Accounts", staff: 90},
				{suffix: "NIFM", name: "National Institute of Financial Management", staff: 20},
			}},
			{suffix: "DOR", name: "Department of Revenue", staff: 40, children: []unit{
				{suffix: "CBDT", name: "Central Board of Direct Taxes", staff: 320},
				{suffix: "CBIC", name: "Central Board of Indirect Taxes and Customs", staff: 300},
			}},
			{suffix: "DFS", name: "Department of Financial Services", staff: 40},
		},
		domainKey: "FIN", area: "Public Finance",
		domain: []domainCompetency{
			{"Direct Taxation", "Administers the Income-tax Act, 1961: assessment, scrutiny, appeals, TDS and international taxation, through the Faceless Assessment scheme."},
			{"GST and Indirect Taxation", "Applies the Central Goods and Services Tax Act, 2017 and allied laws: registration, returns, input tax credit, audit and GST Council decisions."},
			{"Customs Procedures", "Applies the Customs Act, 1962 and the Customs Tariff: classification, valuation, assessment of imports and exports, and trade facilitation through ICEGATE."},
			{"Budget Formulation", "Prepares the Union Budget: estimates, Demands for Grants, the Finance Bill and the fiscal responsibility framework under the FRBM Act."},
			{"Public Debt Management", "Plans and manages the borrowing of the Union government: market loans, small savings, debt sustainability and cash management with the Reserve Bank of India."},
			{"Financial Sector Regulation", "Oversees public sector banks, insurers and financial inclusion schemes, and coordinates with RBI, SEBI, IRDAI and PFRDA on financial sector policy."},
		},
	},
	{
		code: "MPPGP", name: "Ministry of Personnel, Public Grievances and Pensions", staff: 20,
		units: []unit{
			{suffix: "DOPT", name: "Department of Personnel and Training", staff: 90, children: []unit{
				{suffix: "ISTM", name: "Institute of Secretariat Training and Management", staff: 25},
				{suffix: "LBSNAA", name: "Lal Bahadur Shastri National Academy of Administration", staff: 30},
				{suffix: "SSC", name: "Staff Selection Commission", staff: 50},
				{suffix: "CBC", name: "Capacity Building Commission", staff: 10},
			}},
			{suffix: "DARPG", name: "Department of Administrative Reforms and Public Grievances", staff: 40, children: []unit{
				{suffix: "NCGG", name: "National Centre for Good Governance", staff: 15},
			}},
			{suffix: "DOPPW", name: "Department of Pension and Pensioners' Welfare", staff: 30},
		},
		domainKey: "PER", area: "Personnel Administration",
		domain: []domainCompetency{
			{"Cadre Management", "Manages cadre strength, cadre reviews, postings and deputations of the Central Secretariat and All India Services in line with DoPT instructions."},
			{"Recruitment and Promotion Rules", "Frames and applies Recruitment Rules, conducts Departmental Promotion Committees and coordinates recruitment with UPSC and SSC."},
			{"Pension Administration", "Applies the CCS (Pension) Rules and the National Pension System to retirement benefits, family pension and pensioners' grievances."},
			{"Annual Capacity Building Plans", "Prepares and implements a ministry's Annual Capacity Building Plan under Mission Karmayogi, from training needs analysis to iGOT course assignment."},
			{"Administrative Reforms", "Designs and evaluates reforms of government processes: good governance indices, e-governance awards and the reports of the Administrative Reforms Commissions."},
		},
	},
	{
		code: "MHA", name: "Ministry of Home Affairs", staff: 50,
		units: []unit{
			{suffix: "DIS", name: "Department of Internal Security", staff: 60, children: []unit{
				{suffix: "IB", name: "Intelligence Bureau", staff: 120},
				{suffix: "BPRD", name: "Bureau of Police Research and Development", staff: 30},
				{suffix: "NDMA", name: "National Disaster Management Authority", staff: 25},
			}},
			{suffix: "DBM", name: "Department of Border Management", staff: 40, children: []unit{
				{suffix: "BSF", name: "Border Security Force", staff: 420},
			}},
			{suffix: "DOS", name: "Department of States", staff: 25},
			{suffix: "DOL", name: "Department of Official Language", staff: 20, children: []unit{
				{suffix: "CTB", name: "Central Translation Bureau", staff: 15},
			}},
		},
		domainKey: "HOM", area: "Internal Security",
		domain: []domainCompetency{
			{"Internal Security Management", "Coordinates the response to insurgency, terrorism and left-wing extremism with states and central agencies, within the constitutional division of powers."},
			{"Border Management", "Manages land borders and coastal security: fencing, border infrastructure, border outposts and integrated check posts."},
			{"Disaster Management", "Applies the Disaster Management Act, 2005: preparedness, response through NDRF and SDRF, relief norms and post-disaster recovery."},
			{"Centre-State Relations", "Handles matters between the Union and the states: Governors, Article 356, inter-state councils and zonal councils."},
			{"Police Modernisation", "Plans and monitors schemes for police modernisation, CCTNS, forensic capacity and the new criminal laws of 2023."},
		},
	},
	{
		code: "MOHFW", name: "Ministry of Health and Family Welfare", staff: 40,
		units: []unit{
			{suffix: "DHFW", name: "Department of Health and Family Welfare", staff: 80, children: []unit{
				{suffix: "DGHS", name: "Directorate General of Health Services", staff: 120},
				{suffix: "AIIMS", name: "All India Institute of Medical Sciences, New Delhi", staff: 260},
				{suffix: "NHA", name: "National Health Authority", staff: 40},
				{suffix: "CDSCO", name: "Central Drugs Standard Control Organisation", staff: 50},
			}},
			{suffix: "DHR", name: "Department of Health Research", staff: 20, children: []unit{
				{suffix: "ICMR", name: "Indian Council of Medical Research", staff: 120},
			}},
		},
		domainKey: "HLT", area: "Public Health",
		domain: []domainCompetency{
			{"Public Health Programme Management", "Plans and runs national health programmes under the National Health Mission: targets, funds flow, supply chains and reporting through HMIS."},
			{"Health Insurance and Ayushman Bharat", "Administers AB PM-JAY and the Ayushman Bharat Digital Mission: beneficiary identification, hospital empanelment, claims and fraud control."},
			{"Drug and Medical Device Regulation", "Applies the Drugs and Cosmetics Act, 1940 and the Medical Devices Rules, 2017: approvals, licensing, pharmacovigilance and quality control."},
			{"Disease Surveillance", "Runs surveillance under IDSP and IHIP: case definitions, outbreak detection, investigation and response."},
			{"Hospital Administration", "Manages government hospitals: patient flow, clinical services, biomedical waste, quality accreditation and hospital finance."},
		},
	},
	{
		code: "MOE", name: "Ministry of Education", staff: 30,
		units: []unit{
			{suffix: "DSEL", name: "Department of School Education and Literacy", staff: 60, children: []unit{
				{suffix: "NCERT", name: "National Council of Educational Research and Training", staff: 60},
				{suffix: "KVS", name: "Kendriya Vidyalaya Sangathan", staff: 300},
				{suffix: "NVS", name: "Navodaya Vidyalaya Samiti", staff: 200},
			}},
			{suffix: "DHE", name: "Department of Higher Education", staff: 60, children: []unit{
				{suffix: "UGC", name: "University Grants Commission", staff: 50},
				{suffix: "AICTE", name: "All India Council for Technical Education", staff: 40},
			}},
		},
		domainKey: "EDU", area: "Education",
		domain: []domainCompetency{
			{"National Education Policy Implementation", "Translates NEP 2020 into schemes, regulations and timelines for schools and higher education institutions, with the states."},
			{"Foundational Literacy and Numeracy", "Plans and monitors the NIPUN Bharat mission: learning outcomes, teacher support and assessment of foundational learning."},
			{"Higher Education Regulation", "Applies the regulations of UGC and AICTE: approvals, accreditation through NAAC and NBA, and the rankings of NIRF."},
			{"Educational Statistics", "Collects and analyses education data through UDISE+, AISHE and the National Achievement Survey for planning and monitoring."},
			{"Samagra Shiksha Programme Management", "Appraises state plans, releases funds and monitors outcomes under the Samagra Shiksha scheme for school education."},
		},
	},
	{
		code: "MOR", name: "Ministry of Railways", staff: 10,
		units: []unit{
			{suffix: "RB", name: "Railway Board", staff: 120, children: []unit{
				{suffix: "NR", name: "Northern Railway", staff: 520},
				{suffix: "CR", name: "Central Railway", staff: 460},
				{suffix: "WR", name: "Western Railway", staff: 430},
				{suffix: "SR", name: "Southern Railway", staff: 410},
				{suffix: "RDSO", name: "Research Designs and Standards Organisation", staff: 80},
				{suffix: "CRIS", name: "Centre for Railway Information Systems", staff: 60},
			}},
		},
		domainKey: "RLY", area: "Railway Operations",
		domain: []domainCompetency{
			{"Train Operations and Safety", "Runs train operations under the General and Subsidiary Rules: timetabling, punctuality, accident inquiry and safety drives including Kavach."},
			{"Railway Signalling and Telecommunication", "Plans and maintains interlocking, automatic block signalling, train protection and railway telecom networks."},
			{"Rolling Stock Maintenance", "Maintains locomotives, coaches and wagons to RDSO standards: periodic overhaul, condition monitoring and workshop planning."},
			{"Railway Commercial Management", "Manages passenger and freight business: fares and rates, ticketing through PRS and UTS, freight terminals and customer grievances."},
			{"Track and Works Management", "Plans and maintains permanent way and railway works: track renewals, bridges, level crossings and works contracts."},
		},
	},
	{
		code: "MEITY", name: "Ministry of Electronics and Information Technology", staff: 60,
		units: []unit{
			{suffix: "EGOV", name: "e-Governance Group", staff: 30, children: []unit{
				{suffix: "NEGD", name: "National e-Governance Division", staff: 40},
				{suffix: "NIC", name: "National Informatics Centre", staff: 260},
				{suffix: "UIDAI", name: "Unique Identification Authority of India", staff: 60},
			}},
			{suffix: "CYBER", name: "Cyber Law and Security Group", staff: 20, children: []unit{
				{suffix: "CERTIN", name: "Indian Computer Emergency Response Team", staff: 30},
			}},
			{suffix: "ELEC", name: "Electronics Group", staff: 20, children: []unit{
				{suffix: "STQC", name: "Standardisation Testing and Quality Certification Directorate", staff: 30},
			}},
		},
		domainKey: "DIG", area: "Digital Governance",
		domain: []domainCompetency{
			{"Cyber Security", "Protects government systems and data: CERT-In directions, incident reporting, security audits and the information security policies of the Government of India."},
			{"Digital Public Infrastructure", "Builds services on India's digital public infrastructure: Aadhaar, DigiLocker, UPI, API Setu and the India Stack."},
			{"e-Governance Standards and Architecture", "Applies the India Enterprise Architecture framework, open standards, open-source policy and interoperability guidelines to government systems."},
			{"Government Cloud Services", "Procures and runs services on MeghRaj and empanelled cloud providers: data localisation, service levels and migration."},
			{"Information Technology Law", "Applies the Information Technology Act, 2000, its rules and the Digital Personal Data Protection Act, 2023 to government work."},
		},
	},
	{
		code: "MEA", name: "Ministry of External Affairs", staff: 120,
		units: []unit{
			{suffix: "CPV", name: "Consular, Passport and Visa Division", staff: 40, children: []unit{
				{suffix: "CPO", name: "Central Passport Organisation", staff: 220},
			}},
			{suffix: "XP", name: "External Publicity and Public Diplomacy Division", staff: 25, children: []unit{
				{suffix: "ICCR", name: "Indian Council for Cultural Relations", staff: 40},
			}},
			{suffix: "ADMIN", name: "Administration Division", staff: 30, children: []unit{
				{suffix: "SSIFS", name: "Sushma Swaraj Institute of Foreign Service", staff: 15},
			}},
			{suffix: "DPA", name: "Development Partnership Administration", staff: 25},
		},
		domainKey: "EXT", area: "Foreign Affairs",
		domain: []domainCompetency{
			{"Diplomatic Protocol", "Applies diplomatic and ceremonial protocol: visits of heads of state, privileges and immunities under the Vienna Conventions, and official correspondence."},
			{"Consular and Passport Services", "Delivers passport, visa and consular services through Passport Seva and missions abroad, including assistance to Indians in distress."},
			{"International Negotiation", "Prepares and conducts bilateral and multilateral negotiations: briefs, negotiating positions, outcome documents and follow-up."},
			{"International Law and Treaties", "Applies public international law to treaties, agreements and memoranda of understanding, and to India's obligations under them."},
			{"Economic Diplomacy", "Promotes trade, investment and development partnerships: lines of credit, grant projects and engagement with multilateral economic forums."},
		},
	},
	{
		code: "MORD", name: "Ministry of Rural Development", staff: 20,
		units: []unit{
			{suffix: "DORD", name: "Department of Rural Development", staff: 60, children: []unit{
				{suffix: "NIRDPR", name: "National Institute of Rural Development and Panchayati Raj", staff: 40},
				{suffix: "NRIDA", name: "National Rural Infrastructure Development Agency", staff: 30},
			}},
			{suffix: "DOLR", name: "Department of Land Resources", staff: 30},
		},
		domainKey: "RUR", area: "Rural Development",
		domain: []domainCompetency{
			{"MGNREGA Implementation", "Implements the Mahatma Gandhi National Rural Employment Guarantee Act: labour budgets, works, wage payments through NREGASoft and grievance redressal."},
			{"Rural Housing (PMAY-G)", "Runs Pradhan Mantri Awaas Yojana - Gramin: beneficiary selection from SECC data, geo-tagged progress on AwaasSoft and fund release."},
			{"Rural Livelihoods (DAY-NRLM)", "Builds self-help groups and their federations under Deendayal Antyodaya Yojana - NRLM: bank linkage, enterprise and skilling."},
			{"Land Records Modernisation", "Digitises land records and registration under DILRMP: ULPIN, cadastral maps and integration with revenue courts."},
			{"Social Audit", "Organises social audits of rural schemes with gram sabhas and independent social audit units, and follows up their findings."},
		},
	},
	{
		code: "MOAFW", name: "Ministry of Agriculture and Farmers Welfare", staff: 20,
		units: []unit{
			{suffix: "DAFW", name: "Department of Agriculture and Farmers Welfare", staff: 80, children: []unit{
				{suffix: "MANAGE", name: "National Institute of Agricultural Extension Management", staff: 20},
				{suffix: "DMI", name: "Directorate of Marketing and Inspection", staff: 40},
			}},
			{suffix: "DARE", name: "Department of Agricultural Research and Education", staff: 20, children: []unit{
				{suffix: "ICAR", name: "Indian Council of Agricultural Research", staff: 220},
			}},
		},
		domainKey: "AGR", area: "Agriculture",
		domain: []domainCompetency{
			{"Agricultural Extension", "Takes research to farmers through ATMA, Krishi Vigyan Kendras and farmer producer organisations."},
			{"Crop Insurance (PMFBY)", "Administers Pradhan Mantri Fasal Bima Yojana: notification, premium subsidy, yield estimation through crop-cutting experiments and claims."},
			{"Agricultural Marketing", "Develops agricultural markets: e-NAM, APMC reforms, minimum support price operations and AGMARK grading."},
			{"Agricultural Statistics", "Compiles and analyses land use, area, production and price statistics, including the agricultural census and crop estimates."},
			{"Seeds and Fertiliser Regulation", "Applies the Seeds Act, 1966, the Fertiliser Control Order and the Insecticides Act, 1968 to quality control and supply."},
		},
	},
	{
		code: "MOEFCC", name: "Ministry of Environment, Forest and Climate Change", staff: 60,
		units: []unit{
			{suffix: "FC", name: "Forest Conservation Division", staff: 30, children: []unit{
				{suffix: "FSI", name: "Forest Survey of India", staff: 30},
				{suffix: "IGNFA", name: "Indira Gandhi National Forest Academy", staff: 20},
			}},
			{suffix: "WL", name: "Wildlife Division", staff: 20, children: []unit{
				{suffix: "WII", name: "Wildlife Institute of India", staff: 25},
			}},
			{suffix: "CP", name: "Control of Pollution Division", staff: 20, children: []unit{
				{suffix: "CPCB", name: "Central Pollution Control Board", staff: 60},
			}},
			{suffix: "CC", name: "Climate Change Division", staff: 15},
		},
		domainKey: "ENV", area: "Environment and Forests",
		domain: []domainCompetency{
			{"Environmental Impact Assessment", "Appraises projects under the EIA Notification, 2006: scoping, public hearing, expert appraisal committees and compliance monitoring."},
			{"Forest Conservation", "Applies the Van (Sanrakshan Evam Samvardhan) Adhiniyam, 1980 to diversion of forest land, compensatory afforestation and CAMPA funds."},
			{"Wildlife Protection", "Applies the Wildlife (Protection) Act, 1972: protected areas, human-wildlife conflict, wildlife crime and CITES."},
			{"Pollution Control", "Applies the Air and Water Acts and waste management rules: consent mechanisms, the National Clean Air Programme and enforcement."},
			{"Climate Change Policy", "Works on India's climate commitments: the Nationally Determined Contributions, NAPCC missions, carbon markets and UNFCCC negotiations."},
		},
	},
	{
		code: "MORTH", name: "Ministry of Road Transport and Highways", staff: 60,
		units: []unit{
			{suffix: "ROADS", name: "Roads Wing", staff: 40, children: []unit{
				{suffix: "NHAI", name: "National Highways Authority of India", staff: 160},
				{suffix: "NHIDCL", name: "National Highways and Infrastructure Development Corporation Limited", staff: 40},
				{suffix: "IAHE", name: "Indian Academy of Highway Engineers", staff: 15},
			}},
			{suffix: "TPT", name: "Transport Wing", staff: 30},
		},
		domainKey: "RTH", area: "Roads and Highways",
		domain: []domainCompetency{
			{"Highway Project Appraisal", "Appraises highway projects: detailed project reports, traffic studies, cost estimates and approval by the PPPAC or the Standing Finance Committee."},
			{"Road Safety Management", "Reduces road crashes through black-spot rectification, road safety audits, trauma care and enforcement under the Motor Vehicles Act."},
			{"Motor Vehicles Regulation", "Applies the Motor Vehicles Act, 1988 and the Central Motor Vehicles Rules: registration and licensing through VAHAN and SARATHI, and vehicle standards."},
			{"Land Acquisition for Highways", "Acquires land under the National Highways Act, 1956: notifications, compensation, the Bhoomi Rashi portal and resettlement."},
			{"Highway Contracts (EPC, HAM, BOT)", "Manages highway contracts on EPC, hybrid annuity and BOT models: bidding, concession agreements, change of scope and dispute resolution."},
		},
	},
}

// orgNode is an organisation of the tree flattened for writing and for placing learners.
type orgNode struct {
	rec      models.OrganisationRecord
	staff    int
	ministry int // index into ministries
}

// organisations flattens the tree tier by tier: ministries, then departments, then
// organisations, so every parent is written before its children whatever the
// batch boundaries.
func organisations() []orgNode {
	var ms, ds, os []orgNode
	var walk func(parent string, mi int, us []unit, depth int)
	walk = func(parent string, mi int, us []unit, depth int) {
		for _, u := range us {
			code := parent + "-" + u.suffix
			n := orgNode{rec: models.OrganisationRecord{Code: code, Name: u.name, ParentCode: parent}, staff: u.staff, ministry: mi}
			if depth == 0 {
				n.rec.Type = models.OrgDepartment
				ds = append(ds, n)
			} else {
				n.rec.Type = models.OrgOrganisation
				os = append(os, n)
			}
			walk(code, mi, u.children, depth+1)
		}
	}
	for mi, m := range ministries {
		ms = append(ms, orgNode{rec: models.OrganisationRecord{Code: m.code, Name: m.name, Type: models.OrgMinistry, Domain: m.area}, staff: m.staff, ministry: mi})
		walk(m.code, mi, m.units, 0)
	}
	return append(append(ms, ds...), os...)
}
