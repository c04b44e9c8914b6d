{{/* The chart's name. */}}
{{- define "ado-port.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name, followed by the chart's unless it holds it. */}}
{{- define "ado-port.fullname" -}}
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

{{- define "ado-port.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ado-port.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ado-port.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ado-port.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "ado-port.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ado-port.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ado-port.syncName" -}}
{{- printf "%s-sync" (include "ado-port.fullname" .) | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "ado-port.secretName" -}}
{{- default (include "ado-port.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The mapping's ConfigMap, or nothing when the mapping comes from Port. */}}
{{- define "ado-port.mappingConfigMap" -}}
{{- if .Values.mapping.existingConfigMap }}
{{- .Values.mapping.existingConfigMap }}
{{- else if .Values.mapping.inline }}
{{- printf "%s-mapping" (include "ado-port.fullname" .) }}
{{- end }}
{{- end }}

{{/* The --mapping argument of listen and sync, when the mapping is a ConfigMap. */}}
{{- define "ado-port.mappingArgs" -}}
{{- if include "ado-port.mappingConfigMap" . -}}
- --mapping
- /etc/ado-port/mapping/mapping.yaml
{{- end }}
{{- end }}

{{/* One env entry when the value is not empty: a string as it is, anything else (number, list,
map) as JSON. */}}
{{- define "ado-port.envVar" -}}
{{- $value := index . 1 }}
{{- if $value }}
- name: {{ index . 0 }}
  value: {{ if kindIs "string" $value }}{{ $value | quote }}{{ else }}{{ toJson $value | quote }}{{ end }}
{{- end }}
{{- end }}

{{/* The containers' environment: every setting of values.yaml. */}}
{{- define "ado-port.env" -}}
{{- $c := .Values.integration.config }}
{{- include "ado-port.envVar" (list "OCEAN__PORT__CLIENT_ID" .Values.port.clientId) }}
{{- include "ado-port.envVar" (list "OCEAN__PORT__BASE_URL" .Values.port.baseUrl) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__IDENTIFIER" .Values.integration.identifier) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URL" $c.organizationUrl) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__ACCOUNT_MODE" $c.accountMode) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__ORGANIZATION_URLS" $c.organizationUrls) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__TENANT_ID" $c.tenantId) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__CLIENT_ID" $c.clientId) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__AUTHORITY_HOST" $c.authorityHost) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__APP_HOST" $c.appHost) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__EXCLUDED_TAGS" $c.excludedTags) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__API_PROFILE" $c.apiProfile) }}
{{- include "ado-port.envVar" (list "OCEAN__INTEGRATION__CONFIG__SERVICE_URLS" $c.serviceUrls) }}
{{- include "ado-port.envVar" (list "OCEAN__SCHEDULED_RESYNC_INTERVAL" .Values.scheduledResyncInterval) }}
{{- include "ado-port.envVar" (list "OCEAN__INCREMENTAL_RESYNC_INTERVAL" .Values.incrementalResyncInterval) }}
{{- include "ado-port.envVar" (list "OCEAN__EVENT_LISTENER__INTERVAL" .Values.eventListenerInterval) }}
{{- include "ado-port.envVar" (list "RUST_LOG" .Values.logLevel) }}
{{- if .Values.extraCaCertsConfigMap }}
- name: SSL_CERT_FILE
  value: /etc/ssl/certs/ca-certificates.crt
- name: SSL_CERT_DIR
  value: /etc/ado-port/ca
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The container fields listen and sync share, after name and args. */}}
{{- define "ado-port.containerCommon" -}}
image: "{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
envFrom:
  - secretRef:
      name: {{ include "ado-port.secretName" . }}
env:
  {{- include "ado-port.env" . | trim | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if include "ado-port.mappingConfigMap" . }}
  - name: mapping
    mountPath: /etc/ado-port/mapping
    readOnly: true
  {{- end }}
  {{- if .Values.extraCaCertsConfigMap }}
  - name: ca-certs
    mountPath: /etc/ado-port/ca
    readOnly: true
  {{- end }}
{{- end }}

{{/* The pod fields listen and sync share, after the containers; called with
(dict "root" $ "component" .Values.listen) or .Values.sync. */}}
{{- define "ado-port.podCommon" -}}
{{- $root := .root -}}
serviceAccountName: {{ include "ado-port.serviceAccountName" $root }}
automountServiceAccountToken: false
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
  {{- with include "ado-port.mappingConfigMap" $root }}
  - name: mapping
    configMap:
      name: {{ . }}
      items:
        - key: mapping.yaml
          path: mapping.yaml
  {{- end }}
  {{- with $root.Values.extraCaCertsConfigMap }}
  - name: ca-certs
    configMap:
      name: {{ . }}
  {{- end }}
{{- with .component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod annotations: the component's podAnnotations, plus checksums that restart the pods
when the chart's Secret or mapping ConfigMap changes. Same arguments as podCommon. */}}
{{- define "ado-port.podAnnotations" -}}
{{- $root := .root }}
{{- $annotations := deepCopy (.component.podAnnotations | default dict) }}
{{- if not $root.Values.secrets.existingSecret }}
{{- $_ := set $annotations "checksum/secret" (include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum) }}
{{- end }}
{{- if and $root.Values.mapping.inline (not $root.Values.mapping.existingConfigMap) }}
{{- $_ := set $annotations "checksum/mapping" (include (print $root.Template.BasePath "/configmap-mapping.yaml") $root | sha256sum) }}
{{- end }}
{{- with $annotations -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
