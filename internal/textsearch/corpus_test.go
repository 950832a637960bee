package textsearch

// catalogTitles stand in for the catalog's stored text in the tests: titles
// of the kind of services issue 14 names, in Russian and English.
var catalogTitles = []string{
	"Оформление заграничного паспорта",
	"Замена паспорта гражданина РФ",
	"Получение паспорта гражданина РФ в 14 лет",
	"Запись на приём к врачу",
	"Вызов врача на дом",
	"Регистрация по месту жительства",
	"Регистрация по месту пребывания",
	"Оплата штрафов ГИБДД",
	"Проверка налоговой задолженности",
	"Получение ИНН физического лица",
	"Выписка из индивидуального лицевого счёта в Социальном фонде",
	"Постановка в очередь в детский сад",
	"Государственная регистрация заключения брака",
	"Государственная регистрация рождения",
	"Бухгалтерская отчётность юридического лица",
	"Регистрация ИП",
	"Получение водительского удостоверения",
	"Лицензия на оружие",
	"Справка об отсутствии судимости",
	"Запись в первый класс школы",
	"Материнский капитал",
	"Справка 2-НДФЛ",
	"Foreign passport application",
	"Driving licence",
	"Paying traffic fines",
	"Doctor appointment booking",
	"Tax debt check",
	"Kindergarten queue",
	"Pension account statement",
	"Registration of a marriage",
}

// catalogTerms is every term of catalogTitles, with repeats.
func catalogTerms() []string {
	var terms []string
	for _, title := range catalogTitles {
		terms = append(terms, Terms(title)...)
	}
	return terms
}
