{{/* The Deployment of one role: pass (dict "root" $ "component" "api"|"worker"). */}}
{{- define "hookd.deployment" -}}
{{- $root := .root -}}
{{- $v := index $root.Values .component -}}
{{- $fullname := include "hookd.fullname" $root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}-{{ .component }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "hookd.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      {{- include "hookd.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "hookd.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
        {{ $fullname }}-redis-client: "true"
      annotations:
        checksum/values: {{ toJson $root.Values | sha256sum | trunc 16 }}
    spec:
      serviceAccountName: {{ include "hookd.serviceAccountName" . }}
      automountServiceAccountToken: true
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if eq .component "worker" }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- if $root.Values.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: {{ $root.Values.topologySpread.maxSkew }}
          topologyKey: {{ $root.Values.topologySpread.topologyKey }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "hookd.selectorLabels" . | nindent 14 }}
      {{- end }}
      containers:
        - name: hookd
          image: {{ include "hookd.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- if and (eq .component "worker") $root.Values.worker.nodeOptions }}
          # On node's command line rather than in NODE_OPTIONS: NODE_OPTIONS refuses most V8
          # flags, and child processes (exec credential plugins) must not inherit a worker's
          # heap bounds.
          command: [ "node", {{- range compact (splitList " " $root.Values.worker.nodeOptions) }} {{ . | quote }},{{- end }} "dist/main.js" ]
          {{- end }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          env:
            - { name: HOOKD_ROLE, value: {{ .component | quote }} }
            - { name: HOOKD_HOST, value: "0.0.0.0" }
            - { name: HOOKD_PORT, value: "8080" }
            - { name: HOOKD_AUTH, value: {{ $root.Values.auth | quote }} }
            - { name: HOOKD_KUBE, value: in-cluster }
            - { name: HOOKD_REDIS_EMBEDDED, value: never }
            - { name: HOOKD_REDIS_PREFIX, value: {{ $root.Values.redis.prefix | quote }} }
            - { name: HOOKD_LOG_LEVEL, value: {{ $root.Values.logLevel | quote }} }
            - { name: HOOKD_EVENTS, value: {{ $root.Values.events | quote }} }
            {{- if and (eq .component "worker") $root.Values.worker.mallocArenaMax }}
            - { name: MALLOC_ARENA_MAX, value: {{ $root.Values.worker.mallocArenaMax | quote }} }
            {{- end }}
            {{- if and (eq .component "worker") $root.Values.worker.mallocThresholdBytes }}
            - { name: GLIBC_TUNABLES, value: {{ printf "glibc.malloc.mmap_threshold=%d:glibc.malloc.trim_threshold=%d" (int $root.Values.worker.mallocThresholdBytes) (int $root.Values.worker.mallocThresholdBytes) | quote }} }
            {{- end }}
            {{- if $root.Values.allowedHosts }}
            - name: HOOKD_ALLOWED_HOSTS
              value: {{ concat $root.Values.allowedHosts (list (printf "%s-api" $fullname) (printf "%s-api.%s" $fullname $root.Release.Namespace) (printf "%s-api.%s.svc" $fullname $root.Release.Namespace)) | join "," | quote }}
            {{- end }}
            {{- if $root.Values.redis.bundled }}
            - { name: REDIS_URL, value: {{ printf "redis://%s-redis:6379" $fullname | quote }} }
            {{- else if $root.Values.redis.urlKey }}
            - name: REDIS_URL
              valueFrom: { secretKeyRef: { name: {{ required "redis.existingSecret is required with redis.urlKey" $root.Values.redis.existingSecret }}, key: {{ $root.Values.redis.urlKey }} } }
            {{- else }}
            - { name: REDIS_URL, value: {{ required "redis.url is required when redis.bundled is false" $root.Values.redis.url | quote }} }
            {{- end }}
            {{- if or $root.Values.redis.bundled $root.Values.redis.existingSecret }}
            - name: REDIS_PASSWORD
              valueFrom: { secretKeyRef: { name: {{ include "hookd.redisSecretName" $root }}, key: {{ $root.Values.redis.passwordKey }} } }
            {{- end }}
            - name: HOOKD_SPEC_KEY
              valueFrom: { secretKeyRef: { name: {{ include "hookd.specKeySecretName" $root }}, key: {{ $root.Values.specKey.key }} } }
            {{- if eq $root.Values.auth "tokens" }}
            - { name: HOOKD_TOKENS_FILE, value: {{ printf "/etc/hookd/tokens/%s" $root.Values.tokens.key | quote }} }
            {{- end }}
            {{- with $root.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            {{- if eq $root.Values.auth "tokens" }}
            - { name: tokens, mountPath: /etc/hookd/tokens, readOnly: true }
            {{- end }}
      volumes:
        - { name: tmp, emptyDir: { sizeLimit: 64Mi } }
        {{- if eq $root.Values.auth "tokens" }}
        - name: tokens
          secret: { secretName: {{ required "tokens.existingSecret is required when auth is tokens" $root.Values.tokens.existingSecret }} }
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* The PodDisruptionBudget of one role. */}}
{{- define "hookd.pdb" -}}
{{- $v := index .root.Values .component -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "hookd.fullname" .root }}-{{ .component }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "hookd.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  minAvailable: {{ $v.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "hookd.selectorLabels" . | nindent 6 }}
{{- end -}}
