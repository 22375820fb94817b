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

{{/*
An image reference from {repository, tag, digest} (call with dict "image" <values> "path" "image" "appVersion" <default tag>).
A digest pins the image and wins over the tag. The OCI image spec makes a sha256 digest "sha256:" and
64 lowercase hex digits (descriptor digests, registered algorithms); anything else fails rendering
rather than pulling something unpinned.
*/}}
{{- define "iem-okta.image" -}}
{{- $image := .image -}}
{{- if $image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" (toString $image.digest)) -}}
{{- fail (printf "%s.digest must be sha256: followed by 64 lowercase hex digits, got %q" .path (toString $image.digest)) -}}
{{- end -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (toString ($image.tag | default .appVersion)) -}}
{{- end -}}
{{- end }}

{{/*
"true" when gRPC is plaintext h2c: only grpcTls.plaintext set to true (a boolean, or the string "true" from
--set-string) chooses it; any value other than true or false fails rendering.
*/}}
{{- define "iem-okta.grpcPlaintext" -}}
{{- $plaintext := toString .Values.grpcTls.plaintext -}}
{{- if not (has $plaintext (list "true" "false")) -}}
{{- fail (printf "grpcTls.plaintext must be true or false, got %q" $plaintext) -}}
{{- end -}}
{{- if eq $plaintext "true" }}true{{ end -}}
{{- end }}

{{/*
Environment variables the chart sets itself; extraEnv may not set them (IEM_DEV would turn caller auth
off, IEM_OKTA_INSECURE_HOSTS would allow plain http to Okta, IEM_GRPC_TLS_* would change the transport).
*/}}
{{- define "iem-okta.chartOwnedEnv" -}}
IEM_DEV IEM_BIND_HOST IEM_GRPC_PORT IEM_HTTP_PORT IEM_PUBLIC_BASE_URL IEM_SHUTDOWN_GRACE_SECONDS IEM_PG_POOL_SIZE
IEM_OKTA_INSECURE_HOSTS IEM_LOG_LEVEL IEM_OKTA_REQUEST_TIMEOUT_SECONDS IEM_OKTA_MAX_CONCURRENCY IEM_SYNC_OKTA_SHARE
IEM_SYNC_MAX_CONCURRENT_RUNS IEM_SYNC_BATCH_USERS IEM_SYNC_INCREMENTAL_OVERLAP_SECONDS IEM_SYNC_LEASE_SECONDS
IEM_CHECK_AUTHN_SHARE IEM_CHECK_WORKERS IEM_CHECK_LEASE_SECONDS PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD
IEM_REDIS_URL IEM_REDIS_CLUSTER IEM_SIGNING_KEY_FILE IEM_PASSWORD_KEY_FILE IEM_AUTH_ISSUER IEM_AUTH_AUDIENCE IEM_AUTH_CLOCK_SKEW_SECONDS
IEM_AUTH_JWKS IEM_GRPC_TLS_CERT_FILE IEM_GRPC_TLS_KEY_FILE
{{- end }}

{{/*
A namespace name (a DNS label) for a NetworkPolicy peer; call with dict "value" <name> "path" <value's path>.
*/}}
{{- define "iem-okta.namespaceName" -}}
{{- $name := toString .value -}}
{{- if not (and (le (len $name) 63) (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name)) -}}
{{- fail (printf "%s must name a namespace (a DNS label: lowercase letters, digits and '-'), got %q" .path $name) -}}
{{- end -}}
{{- $name -}}
{{- end }}

{{/*
Every refusal of unsafe values, in one place; the Deployment includes it so that any render checks them.
(helm lint only logs a fail as [INFO], so lint of the default values still passes.)
*/}}
{{- define "iem-okta.validate" -}}
{{- $plaintext := include "iem-okta.grpcPlaintext" . -}}
{{- if and $plaintext .Values.grpcTls.existingSecret -}}
{{- fail "grpcTls.plaintext is true and grpcTls.existingSecret is set: choose one (TLS with the Secret, or plaintext behind a mesh)" -}}
{{- end -}}
{{- if and (not $plaintext) (not .Values.grpcTls.existingSecret) -}}
{{- fail "gRPC is served over TLS: set grpcTls.existingSecret to a kubernetes.io/tls Secret (tls.crt, tls.key), or set grpcTls.plaintext=true only behind a service mesh that terminates mTLS for the pod" -}}
{{- end -}}
{{- if .Values.config.oktaInsecureHosts -}}
{{- fail "config.oktaInsecureHosts must be empty: IEM_OKTA_INSECURE_HOSTS is for dev mode only and the service refuses to start with it" -}}
{{- end -}}
{{- $owned := splitList " " (include "iem-okta.chartOwnedEnv" . | replace "\n" " ") -}}
{{- range $name, $value := .Values.extraEnv -}}
{{- if has $name $owned -}}
{{- fail (printf "extraEnv may not set %s: the chart sets that variable itself" $name) -}}
{{- end -}}
{{- end -}}
{{- if .Values.tracing.otlpEndpoint -}}
{{- range $name := list "OTEL_EXPORTER_OTLP_ENDPOINT" "OTEL_EXPORTER_OTLP_PROTOCOL" "OTEL_TRACES_SAMPLER" "OTEL_TRACES_SAMPLER_ARG" "OTEL_SERVICE_NAME" -}}
{{- if hasKey $.Values.extraEnv $name -}}
{{- fail (printf "extraEnv may not set %s while tracing.otlpEndpoint is set: the tracing values set it" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if or .Values.networkPolicy.enabled .Values.serviceMonitor.enabled -}}
{{- $_ := include "iem-okta.namespaceName" (dict "value" .Values.metrics.allowedNamespace "path" "metrics.allowedNamespace") -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled .Values.ingress.enabled -}}
{{- $_ := include "iem-okta.namespaceName" (dict "value" .Values.networkPolicy.ingressControllerNamespace "path" "networkPolicy.ingressControllerNamespace") -}}
{{- end -}}
{{- $_ := include "iem-okta.image" (dict "image" .Values.image "path" "image" "appVersion" .Chart.AppVersion) -}}
{{- end }}

{{/*
A label map as "k1=v1,k2=v2" (for NOTES.txt).
*/}}
{{- define "iem-okta.labelList" -}}
{{- $pairs := list -}}
{{- range $k, $v := . }}{{ $pairs = append $pairs (printf "%s=%v" $k $v) }}{{ end -}}
{{- join "," $pairs -}}
{{- end }}
