package documents

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// column is one column of the datalekregister export.
type column struct {
	header string
	width  float64 // XLSX column width
	value  func(in *register.Incident) string
}

// outcome returns the FG's outcome when the flow is complete.
func outcome(in *register.Incident) (assessment.Outcome, bool) {
	if in.Assessment == nil || !in.Assessment.Outcome.Complete {
		return assessment.Outcome{}, false
	}
	return in.Assessment.Outcome, true
}

// pending is what an assessment-dependent cell says before the FG completed the flow.
func pending(in *register.Incident) string {
	if in.Status == register.StatusDismissed {
		return "nee (afgewezen)"
	}
	return "nog niet beoordeeld"
}

// Columns of the datalekregister (art. 33 lid 5 AVG), used for CSV and XLSX alike.
var columns = []column{
	{"Incidentnummer", 22, func(in *register.Incident) string { return in.ID }},
	{"Status", 20, func(in *register.Incident) string { return statusName(in.Status) }},
	{"Ontdekt op", 17, func(in *register.Incident) string { return cellTime(in.DiscoveredAt) }},
	{"Begin", 17, func(in *register.Incident) string { s, _ := in.LeakPeriod(); return cellTime(s) }},
	{"Einde", 17, func(in *register.Incident) string { _, e := in.LeakPeriod(); return cellTime(e) }},
	{"Termijn AP (72 uur)", 17, func(in *register.Incident) string { return cellTime(in.Deadline) }},
	{"Soort incident", 40, func(in *register.Incident) string { return Nature(in.Detector) }},
	{"Detector", 18, func(in *register.Incident) string { return in.Detector }},
	{"Regel", 20, func(in *register.Incident) string {
		if in.RuleTitle != "" {
			return in.Rule + " (" + in.RuleTitle + ")"
		}
		return in.Rule
	}},
	{"Ernst", 10, func(in *register.Incident) string { return severityName(in.Severity) }},
	{"Omschrijving", 50, func(in *register.Incident) string {
		if d := detail(in, "description"); d != "" {
			return d
		}
		return SummaryNL(in.Summary)
	}},
	{"Soorten persoonsgegevens", 40, func(in *register.Incident) string {
		return strings.Join(categoryNameList(in.EffectiveCategories()), "; ")
	}},
	{"Gevoelige gegevens", 10, func(in *register.Incident) string { return yesNo(anySensitive(in.EffectiveCategories())) }},
	{"Aantal betrokkenen", 12, func(in *register.Incident) string {
		if !in.SubjectsKnown() {
			return "onbekend"
		}
		lo, hi := in.SubjectsBounds()
		if lo == hi {
			return strconv.Itoa(hi)
		}
		return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
	}},
	{"Groep betrokkenen", 16, func(in *register.Incident) string { return in.GroupKind() }},
	{"Aantal records", 12, func(in *register.Incident) string {
		if n, ok := in.RecordCount(); ok {
			return strconv.Itoa(n)
		}
		return ""
	}},
	{"Gevolgen", 40, func(in *register.Incident) string { return detail(in, "consequences") }},
	{"Genomen maatregelen", 40, func(in *register.Incident) string { return detail(in, "measures_taken") }},
	{"Voorgenomen maatregelen", 40, func(in *register.Incident) string { return detail(in, "measures_planned") }},
	{"Datalek (registreren)", 12, func(in *register.Incident) string {
		if o, ok := outcome(in); ok {
			return yesNo(o.Register)
		}
		return pending(in)
	}},
	{"Gemeld bij AP (advies)", 12, func(in *register.Incident) string {
		if o, ok := outcome(in); ok {
			return yesNo(o.NotifyAP)
		}
		return pending(in)
	}},
	{"Datum melding AP", 14, func(in *register.Incident) string { return DayNL(detail(in, "ap_reported_on")) }},
	{"Meldnummer AP", 16, func(in *register.Incident) string { return detail(in, "ap_reference") }},
	{"Reden late melding", 40, func(in *register.Incident) string { return detail(in, "late_reason") }},
	{"Betrokkenen geïnformeerd", 16, func(in *register.Incident) string {
		if o, ok := outcome(in); ok {
			return informedText(o)
		}
		return pending(in)
	}},
	{"Datum informeren betrokkenen", 14, func(in *register.Incident) string { return DayNL(detail(in, "subjects_informed_on")) }},
	{"Beoordeeld door", 16, func(in *register.Incident) string {
		by, _ := assessedBy(in)
		return strings.Join(by, "; ")
	}},
	{"Beoordeeld op", 17, func(in *register.Incident) string {
		_, at := assessedBy(in)
		return cellTime(at)
	}},
	{"Versleuteld", 12, func(in *register.Incident) string {
		if in.Facts.Encrypted == nil {
			return "onbekend"
		}
		return yesNo(*in.Facts.Encrypted)
	}},
	{"Motivering FG", 50, func(in *register.Incident) string { return detail(in, "motivation") }},
}

// Headers are the column headers of the register export.
func Headers() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.header
	}
	return h
}

func row(in *register.Incident) []string {
	r := make([]string, len(columns))
	for i, c := range columns {
		r[i] = SafeCell(c.value(in))
	}
	return r
}

// SafeCell neutralises spreadsheet formula injection: a value starting with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, so no spreadsheet reads it as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// RegisterCSV writes the datalekregister as CSV (UTF-8 with a byte order mark, so spreadsheets read
// the accents right): the header row, then one row per incident.
func RegisterCSV(w io.Writer, org config.Organisation, incidents []*register.Incident, now time.Time) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(Headers()); err != nil {
		return err
	}
	for _, in := range incidents {
		if err := cw.Write(row(in)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Sheet names of the XLSX export.
const (
	SheetRegister = "Datalekregister"
	SheetInfo     = "Toelichting"
)

// RegisterXLSX writes the datalekregister as an Excel workbook: the sheet "Datalekregister" with the
// same header and rows as the CSV (every cell a plain string, never a formula) and a sheet
// "Toelichting" naming the organisation and when the export was made.
func RegisterXLSX(w io.Writer, org config.Organisation, incidents []*register.Incident, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetRegister); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	put := func(sheet string, r int, values []string) error {
		for c, v := range values {
			cell, err := excelize.CoordinatesToCellName(c+1, r)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(SheetRegister, 1, Headers()); err != nil {
		return err
	}
	for i, in := range incidents {
		if err := put(SheetRegister, i+2, row(in)); err != nil {
			return err
		}
	}
	last, err := excelize.ColumnNumberToName(len(columns))
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetRegister, "A1", last+"1", bold); err != nil {
		return err
	}
	for i, c := range columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(SheetRegister, name, name, c.width); err != nil {
			return err
		}
	}
	if err := f.SetPanes(SheetRegister, &excelize.Panes{Freeze: true, Split: false, XSplit: 1, YSplit: 1,
		TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := f.AutoFilter(SheetRegister, fmt.Sprintf("A1:%s%d", last, len(incidents)+1), nil); err != nil {
		return err
	}

	if _, err := f.NewSheet(SheetInfo); err != nil {
		return err
	}
	info := [][]string{
		{"Datalekregister", SafeCell(org.Name)},
		{"Geëxporteerd op", now.Format(time.RFC3339)},
		{"Aantal incidenten", strconv.Itoa(len(incidents))},
		{"Grondslag", "art. 33 lid 5 AVG: documentatie van alle inbreuken in verband met persoonsgegevens, gemeld of niet"},
		{"Functionaris Gegevensbescherming", SafeCell(strings.TrimSpace(org.FG.Name + " " + org.FG.Email))},
	}
	for i, r := range info {
		if err := put(SheetInfo, i+1, r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(SheetInfo, "A", "A", 32); err != nil {
		return err
	}
	if err := f.SetColWidth(SheetInfo, "B", "B", 80); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
