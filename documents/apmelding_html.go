package documents

import (
	"bytes"
	"html/template"
	"io"
)

// apFragment is the melding as HTML: one <section> per part of the AP's form, per field a <div>
// with a stable id ("ap-" + Field.ID), the label in <dt> and the value in <dd>. Fields the FG must
// fill in carry the class ap-missing. No script and no style: the page adds its copy buttons
// (data-copy holds the field's id) and print rules.
var apFragment = template.Must(template.New("ap-melding").Funcs(template.FuncMap{
	"dt": DateTimeNL, "inc": func(i int) int { return i + 1 },
}).Parse(`<article class="ap-melding" id="ap-melding" data-incident="{{.IncidentID}}">
<h1>{{.Title}}</h1>
<p class="ap-intro">Concept van {{dt .GeneratedAt}} voor de Functionaris Gegevensbescherming, per onderdeel van het meldformulier van de AP. Waar <span class="ap-marker">[in te vullen door FG]</span> staat, vult de FG aan vóór indienen.</p>
{{range $i, $s := .Sections}}<section class="ap-section" id="ap-{{$s.ID}}">
<h2>{{inc $i}}. {{$s.Title}}</h2>
<dl>
{{range $s.Fields}}<div class="ap-field{{if .Missing}} ap-missing{{end}}" id="ap-{{.ID}}">
<dt>{{.Label}}</dt>
<dd><span class="ap-value" data-copy="{{.ID}}">{{.Value}}</span>{{if .Source}} <small class="ap-source">({{.Source}})</small>{{end}}</dd>
</div>
{{end}}</dl>
</section>
{{end}}</article>`))

var apPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.IncidentID}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;line-height:1.4;color:#111}
dl{margin:0}.ap-field{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.4fr);gap:.5rem;padding:.35rem 0;border-bottom:1px solid #ddd}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}.ap-missing dd{background:#fff3cd}.ap-source{color:#555}
@media (max-width:30rem){.ap-field{grid-template-columns:1fr}}
@media print{body{margin:0;max-width:none}.ap-section{break-inside:avoid}.ap-source{display:none}}
</style>
</head>
<body>
{{.Body}}
</body>
</html>
`))

// HTML renders the melding as an HTML fragment (an <article>) for the FG's page; see apFragment.
func (m APMelding) HTML() (template.HTML, error) {
	var b bytes.Buffer
	if err := apFragment.Execute(&b, m); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// HTMLPage writes the melding as a standalone page, printable to PDF from the browser: what
// `lekwacht export ap-melding --format html` writes.
func (m APMelding) HTMLPage(w io.Writer) error {
	body, err := m.HTML()
	if err != nil {
		return err
	}
	return apPage.Execute(w, struct {
		Title, IncidentID string
		Body              template.HTML
	}{m.Title, m.IncidentID, body})
}
