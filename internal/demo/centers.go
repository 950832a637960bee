package demo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/centers"
)

// The demo's service centers come from the seeds (the ESIA walkthroughs
// under ../shared/seeds): the Kaluga region MFC and its district
// branches with the addresses as the seed lists them (002, «Обратиться
// лично»), Rostelecom's office in Kaluga (002), the Kaluga city libraries
// that help people register (002, with their phones) and the
// Kamensk-Uralsky MFC offices and city administration (004). The seeds
// give no opening hours, so none are made up; the services are what the
// seeds say each does — the MFC, Rostelecom and the administration
// confirm identity, and their operators register citizens and restore
// access in the staff console; the libraries help people register.
//
// A center is placed at its locality's point in the reference data
// (internal/places: towns only); a village the data lacks gets no point
// and shows in the list, not on the map.

const (
	kalugaRegion = "40"
	sverdlovsk   = "66"
)

var operatorServices = "identity_confirmation,registration,access_recovery"

type demoCenter struct {
	id, name, typ, region, locality, address, phone, services string
}

func mfcBranch(id, district, locality, address string) demoCenter {
	return demoCenter{id: "kaluga-mfc-" + id, name: `Филиал ГБУ КО "МФЦ Калужской области" по ` + district + ` району`, typ: string(centers.MFCBranch),
		region: kalugaRegion, locality: locality, address: address, services: operatorServices}
}

func library(id, name, address, phone string) demoCenter {
	return demoCenter{id: "kaluga-library-" + id, name: name, typ: string(centers.Library), region: kalugaRegion, locality: "Калуга",
		address: address, phone: phone, services: string(centers.Registration)}
}

var demoCenters = []demoCenter{
	{id: "kaluga-mfc", name: `ГБУ КО "МФЦ Калужской области"`, typ: string(centers.MFC), region: kalugaRegion, locality: "Калуга",
		address: "ул. Хрустальная, д. 34 а", services: operatorServices},
	mfcBranch("zhizdra", "Жиздринскому", "Жиздра", "ул. Луначарского, д. 2"),
	mfcBranch("khvastovichi", "Хвастовичскому", "Хвастовичи", "ул. Ленина, д. 23"),
	mfcBranch("kirov", "Кировскому", "Киров", `ул. Пролетарская, д. 36 "б"`),
	mfcBranch("tarusa", "Тарусскому", "Таруса", "ул. Луначарского, д. 14"),
	mfcBranch("betlitsa", "Куйбышевскому", "Бетлица", "ул. Калинина, стр. 1"),
	mfcBranch("kozelsk", "Козельскому", "Козельск", "ул. Большая Советская, д. 66"),
	mfcBranch("spas-demensk", "Спас-Деменскому", "Спас-Деменск", "ул. Советская, д. 93"),
	mfcBranch("peremyshl", "Перемышльскому", "Перемышль", "пл. Свободы, д. 3"),
	mfcBranch("mosalsk", "Мосальскому", "Мосальск", "ул. Советская, д. 16"),
	mfcBranch("ferzikovo", "Ферзиковскому", "Ферзиково", "ул. Красноцветова, д. 1"),
	mfcBranch("meshchovsk", "Мещовскому", "Мещовск", "ул. Мира, д. 25, стр. 1"),
	mfcBranch("sukhinichi", "Сухиничскому", "Сухиничи", "ул. Ленина, д. 56"),
	mfcBranch("iznoski", "Износковскому", "Износки", "ул. Ленина, д. 27"),
	mfcBranch("tovarkovo", "Дзержинскому", "Товарково", "ул. Октябрьская, д. 11"),
	mfcBranch("kondrovo", "Дзержинскому", "Кондрово", "ул. Центральная, д. 2"),
	mfcBranch("lyudinovo", "Людиновскому", "Людиново", "ул. Крупской, д. 26"),
	mfcBranch("duminichi", "Думиничскому", "Думиничи", `ул. Ленина, д. 21 "а"`),
	mfcBranch("vorotynsk", "Бабынинскому", "Воротынск", "ул. Железнодорожная, д. 8"),
	mfcBranch("baryatino", "Барятинскому", "Барятино", "ул. Болдина, д. 6"),
	mfcBranch("medyn", "Медынскому", "Медынь", "ул. Луначарского, д. 43"),
	mfcBranch("ulyanovo", "Ульяновскому", "Ульяново", "ул. Большая Советская, д. 93"),
	mfcBranch("yukhnov", "Юхновскому", "Юхнов", "ул. Ленина, д. 22"),
	mfcBranch("maloyaroslavets", "Малоярославецкому", "Малоярославец", "ул. Московская, д. 7"),
	mfcBranch("detchino", "Малоярославецкому", "Детчино", "ул. Матросова, д. 3"),
	mfcBranch("borovsk", "Боровскому", "Боровск", "ул. Володарского, д. 56"),
	mfcBranch("kabitsyno", "Боровскому", "Кабицыно", "мкр. Молодежный, д. 8"),
	// As the seed gives it: the Zhukov district's branch at an address in
	// Yukhnov (probably a slip of the source; Zhukov is the district's town).
	mfcBranch("zhukovsky", "Жуковскому", "Юхнов", "ул. Коммунистическая, д. 5"),

	{id: "kaluga-rostelecom", name: `Центр продаж и обслуживания ПАО «Ростелеком»`, typ: string(centers.Rostelecom), region: kalugaRegion,
		locality: "Калуга", address: "ул. Достоевского, д. 39", services: operatorServices},

	library("gogol", "Центральная городская библиотека им. Н.В. Гоголя", "ул. Ленина, 66", "(4842) 57-84-63"),
	library("gaidar", "Центральная городская детская библиотека им. А.П. Гайдара", "ул. Баррикад, 8", "(4842) 79-00-31"),
	library("belinsky", "Калужская областная научная библиотека им. В.Г. Белинского", "ул. Луначарского, 6", "(4842) 57-40-37"),
	library("nekrasov", "Городская библиотека-филиал №7 им. Н.А. Некрасова", "ул. Никитина, 81", "(4842) 73-90-53"),
	library("yesenin", "Городская библиотека-филиал №8 им. С.А. Есенина", "пер. Малинники, 16", "(4842) 51-53-95"),
	library("32", "Городская библиотека-филиал №32", "ул. Ген. Попова, 11/1", "(4842) 54-90-68"),
	library("ostrovsky", "Калужская областная специальная библиотека им. Н. Островского", "ул. Поле Свободы, 36а", "(4842) 56-28-51"),
	library("gogol-social", "Социально-гуманитарный отдел Центральной городской библиотеки им. Н.В. Гоголя", "ул. Ленина, 74", "(4842) 57-56-87"),

	{id: "kamensk-mfc-lenina", name: "МФЦ, офис на ул. Ленина", typ: string(centers.MFC), region: sverdlovsk, locality: "Каменск-Уральский",
		address: "ул. Ленина, д. 34", services: operatorServices},
	{id: "kamensk-mfc-kamenskaya", name: "МФЦ, офис на ул. Каменской", typ: string(centers.MFC), region: sverdlovsk, locality: "Каменск-Уральский",
		address: "ул. Каменская, д. 82 «а»", services: operatorServices},
	{id: "kamensk-mfc-alyuminievaya", name: "МФЦ, офис на ул. Алюминиевой", typ: string(centers.MFC), region: sverdlovsk, locality: "Каменск-Уральский",
		address: "ул. Алюминиевая, д. 43", services: operatorServices},
	{id: "kamensk-administration", name: "Администрация города Каменска-Уральского", typ: string(centers.Administration), region: sverdlovsk,
		locality: "Каменск-Уральский", address: "ул. Ленина, д. 32, кабинет № 401", services: operatorServices},
}

// Centers returns the demo's centers as typed, each placed by point (the
// locality's coordinates in the reference data; ok false when it has
// none).
func Centers(point func(region, locality string) (lat, lon float64, ok bool)) []centers.Input {
	out := make([]centers.Input, 0, len(demoCenters))
	for _, c := range demoCenters {
		in := centers.Input{ID: c.id, Name: c.name, Type: c.typ, Region: c.region, Locality: c.locality, Address: c.address,
			Phone: c.phone, Services: c.services}
		if lat, lon, ok := point(c.region, c.locality); ok {
			in.Lat, in.Lon = strconv.FormatFloat(lat, 'f', -1, 64), strconv.FormatFloat(lon, 'f', -1, 64)
		}
		out = append(out, in)
	}
	return out
}

// CenterStore tells whether a center exists (centers.Store).
type CenterStore interface {
	Center(ctx context.Context, id string) (centers.Center, bool, error)
}

// SeedCenters adds the demo's centers that are not in the directory yet
// (one an administrator edited or deactivated stays as it is), audited
// as created by the system. It returns how many it added.
func SeedCenters(ctx context.Context, st CenterStore, dir *centers.Directory, in []centers.Input) (int, error) {
	n := 0
	for _, c := range in {
		if _, found, err := st.Center(ctx, c.ID); err != nil {
			return n, err
		} else if found {
			continue
		}
		if _, err := dir.Save(ctx, c, audit.Event{ActorKind: audit.ActorSystem, ActorID: "demo"}); err != nil {
			return n, fmt.Errorf("demo: center %s: %w", c.ID, err)
		}
		n++
	}
	return n, nil
}
