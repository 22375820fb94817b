{{/*
Expand the name of the chart.
*/}}
{{- define "iem-okta.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "iem-okta.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "iem-okta.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "iem-okta.labels" -}}
helm.sh/chart: {{ include "iem-okta.chart" . }}
{{ include "iem-okta.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "iem-okta.selectorLabels" -}}
app.kubernetes.io/name: {{ include "iem-okta.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "iem-okta.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "iem-okta.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The values an operator must set before the service can start; NOTES.txt lists the missing ones.
*/}}
{{- define "iem-okta.missingValues" -}}
{{- $missing := list }}
{{- if not .Values.postgres.host }}{{ $missing = append $missing "postgres.host" }}{{ end }}
{{- if not .Values.postgres.existingSecret }}{{ $missing = append $missing "postgres.existingSecret" }}{{ end }}
{{- if not (or .Values.redis.url .Values.redis.existingSecret) }}{{ $missing = append $missing "redis.url or redis.existingSecret" }}{{ end }}
{{- if not .Values.signingKeys.existingSecret }}{{ $missing = append $missing "signingKeys.existingSecret" }}{{ end }}
{{- if not .Values.passwordKey.existingSecret }}{{ $missing = append $missing "passwordKey.existingSecret" }}{{ end }}
{{- if not .Values.callerAuth.issuer }}{{ $missing = append $missing "callerAuth.issuer" }}{{ end }}
{{- if not (or .Values.callerAuth.jwksUrl .Values.callerAuth.jwksExistingSecret) }}{{ $missing = append $missing "callerAuth.jwksUrl or callerAuth.jwksExistingSecret" }}{{ end }}
{{- join ", " $missing }}
{{- end }}
