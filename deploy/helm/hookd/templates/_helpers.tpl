{{/* Names and labels shared by every object of the chart. */}}
{{- define "hookd.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hookd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hookd.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "hookd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: pass (dict "root" $ "component" "api"). */}}
{{- define "hookd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hookd.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hookd.serviceAccountName" -}}
{{- $name := ternary .root.Values.serviceAccount.apiName .root.Values.serviceAccount.workerName (eq .component "api") -}}
{{- if and .root.Values.serviceAccount.create (not $name) -}}
{{- printf "%s-%s" (include "hookd.fullname" .root) .component -}}
{{- else -}}
{{- required (printf "serviceAccount.%sName is required when serviceAccount.create is false" .component) $name -}}
{{- end -}}
{{- end -}}

{{- define "hookd.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "hookd.redisSecretName" -}}
{{- default (printf "%s-redis" (include "hookd.fullname" .)) .Values.redis.existingSecret -}}
{{- end -}}

{{- define "hookd.specKeySecretName" -}}
{{- default (printf "%s-spec-key" (include "hookd.fullname" .)) .Values.specKey.existingSecret -}}
{{- end -}}
